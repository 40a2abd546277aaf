//go:build amd64 && gc && !purego

package cpu

// wideQ6K is whether Q6_K weights with a multiple of 16 rows are repacked
// (see q6kwide.go): the machine has AVX-512 with VNNI. It is fixed at
// start, as wideQ4 is.
var wideQ6K = useVNNI && useAVX512

//go:noescape
func dotWideQ6_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// q6KWideShape is repacked Q6_K's wideShape.
var q6KWideShape = wideShape{q6KBlock, q8KBlock, 16}

// dotWideQ6_K sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillQ6KWide).
func dotWideQ6_K(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ6_KVNNI, dotWideQ6_KGeneric, q6KWideShape, out, w, nb, a)
}

//go:noescape
func dotWideQ6_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// dotWideQ6_KTwo is dotWideQ6_K on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), a block of each in turn:
// two streams.
func dotWideQ6_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideTwo(dotWideQ6_KTwoVNNI, dotWideQ6_K, q6KWideShape, outA, outB, wA, wB, nb, a)
}

//go:noescape
func dotWideQ6_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// dotWideQ6_Kx4 is dotWideQ6_K for four tokens: out[t] for acts[t].
func dotWideQ6_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ6_Kx4VNNI, q6KWideShape, out, w, nb, acts)
}
