//go:build amd64 && gc && !purego

package cpu

// wideQ3K is whether Q3_K weights with a multiple of 16 rows are repacked
// (see q3kwide.go): the machine has AVX-512 with VNNI. It is fixed at
// start, as wideQ4 is.
var wideQ3K = useVNNI && useAVX512

//go:noescape
func dotWideQ3_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// q3KWideShape is repacked Q3_K's wideShape.
var q3KWideShape = wideShape{q3KBlock, q8KBlock, q3KRecs}

// dotWideQ3_K sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillQ3KWide).
func dotWideQ3_K(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ3_KVNNI, dotWideQ3_KGeneric, q3KWideShape, out, w, nb, a)
}

//go:noescape
func dotWideQ3_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// dotWideQ3_KTwo is dotWideQ3_K on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), a block of each in turn:
// two streams.
func dotWideQ3_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideTwo(dotWideQ3_KTwoVNNI, dotWideQ3_K, q3KWideShape, outA, outB, wA, wB, nb, a)
}

//go:noescape
func dotWideQ3_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// dotWideQ3_Kx4 is dotWideQ3_K for four tokens: out[t] for acts[t].
func dotWideQ3_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ3_Kx4VNNI, q3KWideShape, out, w, nb, acts)
}
