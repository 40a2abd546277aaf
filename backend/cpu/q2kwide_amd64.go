//go:build amd64 && gc && !purego

package cpu

// wideQ2K is whether Q2_K weights with a multiple of 16 rows are repacked
// (see q2kwide.go): the machine has AVX-512 with VNNI. It is fixed at
// start, as wideQ4 is.
var wideQ2K = useVNNI && useAVX512

//go:noescape
func dotWideQ2_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// q2KWideShape is repacked Q2_K's wideShape.
var q2KWideShape = wideShape{q2KBlock, q8KBlock, 8}

// dotWideQ2_K sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillQ2KWide).
func dotWideQ2_K(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ2_KVNNI, dotWideQ2_KGeneric, q2KWideShape, out, w, nb, a)
}

//go:noescape
func dotWideQ2_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ2_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// dotWideQ2_KTwo is dotWideQ2_K on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), read side by side: two
// streams.
func dotWideQ2_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideTwo(dotWideQ2_KTwoVNNI, dotWideQ2_K, q2KWideShape, outA, outB, wA, wB, nb, a)
}

// dotWideQ2_Kx4 is dotWideQ2_K for four tokens: out[t] for acts[t].
func dotWideQ2_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ2_Kx4VNNI, q2KWideShape, out, w, nb, acts)
}
