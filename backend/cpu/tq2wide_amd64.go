//go:build amd64 && gc && !purego

package cpu

// wideTQ2 is whether TQ2_0 weights with a multiple of 16 rows are repacked
// (see tq2wide.go): the machine has AVX-512 with VNNI. It is fixed at
// start, as wideQ4 is.
var wideTQ2 = useVNNI && useAVX512

//go:noescape
func dotWideTQ2_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideTQ2_0FourVNNI(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideTQ2_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// tq2WideShape is repacked TQ2_0's wideShape.
var tq2WideShape = wideShape{tq2Block, q8KBlock, 1}

// dotWideTQ2_0 sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillTQ2Wide).
func dotWideTQ2_0(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideTQ2_0VNNI, dotWideTQ2_0Generic, tq2WideShape, out, w, nb, a)
}

// dotWideTQ2_0Two is dotWideTQ2_0 on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), each run read as two
// halves: four streams (wideFour).
func dotWideTQ2_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideFour(dotWideTQ2_0FourVNNI, dotWideTQ2_0, tq2WideShape, outA, outB, wA, wB, nb, a)
}

// dotWideTQ2_0x4 is dotWideTQ2_0 for four tokens: out[t] for acts[t].
func dotWideTQ2_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideTQ2_0x4VNNI, tq2WideShape, out, w, nb, acts)
}
