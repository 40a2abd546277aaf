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

// dotWideTQ2_0 sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillTQ2Wide).
func dotWideTQ2_0(out []float32, w []byte, nb int, a *q4Act) {
	groups := len(out) / q4WideRows
	if groups == 0 || nb == 0 || !useVNNI || !useAVX512 {
		dotWideTQ2_0Generic(out, w, nb, a)
		return
	}
	_ = w[groups*nb*tq2WideBlock-1]
	_ = a.q[nb*q8KBlock-1]
	_, _ = a.bias[nb-1], a.d[nb-1]
	dotWideTQ2_0VNNI(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
}

// dotWideTQ2_0Two is dotWideTQ2_0 on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), each run read as two
// halves: four streams (wideFour).
func dotWideTQ2_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	if !useVNNI || !useAVX512 || nb == 0 {
		dotWideTQ2_0(outA, wA, nb, a)
		dotWideTQ2_0(outB, wB, nb, a)
		return
	}
	_ = a.q[nb*q8KBlock-1]
	_, _ = a.bias[nb-1], a.d[nb-1]
	wideFour(dotWideTQ2_0FourVNNI, dotWideTQ2_0, outA, outB, wA, wB, nb*tq2WideBlock, nb, a)
}

// dotWideTQ2_0x4 is dotWideTQ2_0 for four tokens: out[t] for acts[t]. The
// activation rows must be spaced evenly (as scratch lays them out).
func dotWideTQ2_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	if !useVNNI || !useAVX512 {
		return false
	}
	groups, os, xs, bs, ok := groupStridesOf(out, w, nb, acts, q4WideRows, tq2Block, q8KBlock)
	if !ok {
		return false
	}
	a0 := &acts[0]
	dotWideTQ2_0x4VNNI(&out[0][0], os, &w[0], groups, &a0.q[0], xs, &a0.bias[0], &a0.d[0], bs, nb)
	return true
}
