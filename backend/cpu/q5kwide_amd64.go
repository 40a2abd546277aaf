//go:build amd64 && gc && !purego

package cpu

// wideQ5K is whether Q5_K weights with a multiple of 16 rows are repacked
// (see q5kwide.go): the machine has AVX-512 with VNNI. It is fixed at
// start, as wideQ4 is.
var wideQ5K = useVNNI && useAVX512

//go:noescape
func dotWideQ5_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// q5KWideShape is repacked Q5_K's wideShape.
var q5KWideShape = wideShape{q5KBlock, q8KBlock, 8}

// dotWideQ5_K sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillQ4KWide).
func dotWideQ5_K(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ5_KVNNI, dotWideQ5_KGeneric, q5KWideShape, out, w, nb, a)
}

//go:noescape
func dotWideQ5_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ5_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// dotWideQ5_KTwo is dotWideQ5_K on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), read side by side: two
// streams.
func dotWideQ5_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideTwo(dotWideQ5_KTwoVNNI, dotWideQ5_K, q5KWideShape, outA, outB, wA, wB, nb, a)
}

// dotWideQ5_Kx4 is dotWideQ5_K for four tokens: out[t] for acts[t].
func dotWideQ5_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ5_Kx4VNNI, q5KWideShape, out, w, nb, acts)
}
