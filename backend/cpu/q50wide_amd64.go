//go:build amd64 && gc && !purego

package cpu

// wideQ50 is whether Q5_0 weights with a multiple of 16 rows are repacked
// (see q50wide.go): the machine has AVX-512 with VNNI. It is fixed at
// start, as wideQ4 is.
var wideQ50 = useVNNI && useAVX512

//go:noescape
func dotWideQ5_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// q50WideShape is repacked Q5_0's wideShape.
var q50WideShape = wideShape{q5Block, q8Block, 8}

// dotWideQ5_0 sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillQ50Wide).
func dotWideQ5_0(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ5_0VNNI, dotWideQ5_0Generic, q50WideShape, out, w, nb, a)
}

//go:noescape
func dotWideQ5_0TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ5_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// dotWideQ5_0Two is dotWideQ5_0 on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), read side by side: two
// streams.
func dotWideQ5_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideTwo(dotWideQ5_0TwoVNNI, dotWideQ5_0, q50WideShape, outA, outB, wA, wB, nb, a)
}

// dotWideQ5_0x4 is dotWideQ5_0 for four tokens: out[t] for acts[t].
func dotWideQ5_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ5_0x4VNNI, q50WideShape, out, w, nb, acts)
}
