//go:build amd64 && gc && !purego

package cpu

// wideQ6K is whether Q6_K weights with a multiple of 16 rows and an even
// number of blocks a row are repacked (see q6kwide.go): the machine has
// AVX-512 with VNNI. It is fixed at start, as wideQ4 is.
var wideQ6K = useVNNI && useAVX512

//go:noescape
func dotWideQ6_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// dotWideQ6_K sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks, nb even) dotted with the activations a
// (fillQ6KWide).
func dotWideQ6_K(out []float32, w []byte, nb int, a *q4Act) {
	groups := len(out) / q4WideRows
	if groups == 0 || nb == 0 || nb%2 != 0 || !useVNNI || !useAVX512 {
		dotWideQ6_KGeneric(out, w, nb, a)
		return
	}
	_ = w[groups*nb*q6KWideBlock-1]
	_ = a.q[nb*q8KBlock-1]
	_, _ = a.bias[16*nb-1], a.d[nb-1]
	dotWideQ6_KVNNI(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
}

//go:noescape
func dotWideQ6_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// dotWideQ6_KTwo is dotWideQ6_K on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), a block of each in turn:
// two streams.
func dotWideQ6_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	groups := len(outA) / q4WideRows
	if groups == 0 || nb == 0 || nb%2 != 0 || !useVNNI || !useAVX512 || len(outB) != len(outA) {
		dotWideQ6_K(outA, wA, nb, a)
		dotWideQ6_K(outB, wB, nb, a)
		return
	}
	_, _ = wA[groups*nb*q6KWideBlock-1], wB[groups*nb*q6KWideBlock-1]
	_ = a.q[nb*q8KBlock-1]
	_, _ = a.bias[16*nb-1], a.d[nb-1]
	dotWideQ6_KTwoVNNI(&outA[0], &outB[0], &wA[0], &wB[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
}

//go:noescape
func dotWideQ6_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// dotWideQ6_Kx4 is dotWideQ6_K for four tokens: out[t] for acts[t]. The
// activation records must be spaced evenly (as wideKernel lays them out).
func dotWideQ6_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	if !useVNNI || !useAVX512 || nb%2 != 0 {
		return false
	}
	groups, os, xs, bs, ok := groupStridesOf(out, w, nb, acts, q4WideRows, q6KBlock, q8KBlock)
	if !ok {
		return false
	}
	for t := range multiToken {
		_ = acts[t].bias[16*nb-1]
	}
	a0 := &acts[0]
	dotWideQ6_Kx4VNNI(&out[0][0], os, &w[0], groups, &a0.q[0], xs, &a0.bias[0], &a0.d[0], bs, nb)
	return true
}
