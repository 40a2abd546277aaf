//go:build amd64 && gc && !purego

package cpu

// wideQ8 is whether Q8_0 weights with a multiple of 16 rows are repacked
// (see q8wide.go): the machine has AVX-512 with VNNI. It is fixed at
// start, as wideQ4 is.
var wideQ8 = useVNNI && useAVX512

//go:noescape
func dotWideQ8_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ8_0FourVNNI(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ8_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// q8WideShape is repacked Q8_0's wideShape.
var q8WideShape = wideShape{q8Block, q8Block, 1}

// dotWideQ8_0 sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a.
func dotWideQ8_0(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ8_0VNNI, dotWideQ8_0Generic, q8WideShape, out, w, nb, a)
}

// dotWideQ8_0Two is dotWideQ8_0 on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), each run read as two
// halves: four streams (wideFour).
func dotWideQ8_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideFour(dotWideQ8_0FourVNNI, dotWideQ8_0, q8WideShape, outA, outB, wA, wB, nb, a)
}

// dotWideQ8_0x4 is dotWideQ8_0 for four tokens: out[t] for acts[t].
func dotWideQ8_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ8_0x4VNNI, q8WideShape, out, w, nb, acts)
}
