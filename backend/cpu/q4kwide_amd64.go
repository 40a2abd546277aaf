//go:build amd64 && gc && !purego

package cpu

// wideQ4K is whether Q4_K weights with a multiple of 16 rows are repacked
// (see q4kwide.go): the machine has AVX-512 with VNNI. It is fixed at
// start, as wideQ4 is.
var wideQ4K = useVNNI && useAVX512

//go:noescape
func dotWideQ4_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// q4KWideShape is repacked Q4_K's wideShape.
var q4KWideShape = wideShape{q4KBlock, q8KBlock, 8}

// dotWideQ4_K sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillQ4KWide).
func dotWideQ4_K(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ4_KVNNI, dotWideQ4_KGeneric, q4KWideShape, out, w, nb, a)
}

//go:noescape
func dotWideQ4_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ4_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// dotWideQ4_KTwo is dotWideQ4_K on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), read side by side: two
// streams.
func dotWideQ4_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideTwo(dotWideQ4_KTwoVNNI, dotWideQ4_K, q4KWideShape, outA, outB, wA, wB, nb, a)
}

// dotWideQ4_Kx4 is dotWideQ4_K for four tokens: out[t] for acts[t].
func dotWideQ4_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ4_Kx4VNNI, q4KWideShape, out, w, nb, acts)
}
