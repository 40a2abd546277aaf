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

// dotWideQ8_0 sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a.
func dotWideQ8_0(out []float32, w []byte, nb int, a *q4Act) {
	groups := len(out) / q4WideRows
	if groups == 0 || nb == 0 || !useVNNI || !useAVX512 {
		dotWideQ8_0Generic(out, w, nb, a)
		return
	}
	_ = w[groups*nb*q8WideBlock-1]
	_ = a.q[nb*q8Block-1]
	_, _ = a.bias[nb-1], a.d[nb-1]
	dotWideQ8_0VNNI(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
}

// dotWideQ8_0Two is dotWideQ8_0 on two runs of groups at once, outA from
// wA and outB from wB (len(outA) = len(outB)), each run read as two
// halves: four streams (wideFour).
func dotWideQ8_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	if !useVNNI || !useAVX512 || nb == 0 {
		dotWideQ8_0(outA, wA, nb, a)
		dotWideQ8_0(outB, wB, nb, a)
		return
	}
	_ = a.q[nb*q8Block-1]
	_, _ = a.bias[nb-1], a.d[nb-1]
	wideFour(dotWideQ8_0FourVNNI, dotWideQ8_0, outA, outB, wA, wB, nb*q8WideBlock, nb, a)
}

// wideFourKernel is a four-run kernel of groups repacked in 16-row groups.
type wideFourKernel func(outA, outB, outC, outD *float32, wA, wB, wC, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// wideFour runs two runs of 16-row groups of gb bytes (outA from wA, outB
// from wB) as four streams, each run as two halves (four), an odd last
// group of each by one. The caller has checked a's lengths.
func wideFour(four wideFourKernel, one func(out []float32, w []byte, nb int, a *q4Act), outA, outB []float32, wA, wB []byte, gb, nb int, a *q4Act) {
	groups := len(outA) / q4WideRows
	if groups == 0 || len(outB) != len(outA) {
		one(outA, wA, nb, a)
		one(outB, wB, nb, a)
		return
	}
	_, _ = wA[groups*gb-1], wB[groups*gb-1]
	h := groups / 2
	if h > 0 {
		ho := h * q4WideRows
		four(&outA[0], &outA[ho], &outB[0], &outB[ho], &wA[0], &wA[h*gb], &wB[0], &wB[h*gb], h, &a.q[0], &a.bias[0], &a.d[0], nb)
	}
	if g := 2 * h; g < groups {
		one(outA[g*q4WideRows:], wA[g*gb:], nb, a)
		one(outB[g*q4WideRows:], wB[g*gb:], nb, a)
	}
}

// dotWideQ8_0x4 is dotWideQ8_0 for four tokens: out[t] for acts[t]. The
// activation rows must be spaced evenly (as scratch lays them out).
func dotWideQ8_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	if !useVNNI || !useAVX512 {
		return false
	}
	groups, os, xs, bs, ok := groupStridesOf(out, w, nb, acts, q4WideRows, q8Block, q8Block)
	if !ok {
		return false
	}
	a0 := &acts[0]
	dotWideQ8_0x4VNNI(&out[0][0], os, &w[0], groups, &a0.q[0], xs, &a0.bias[0], &a0.d[0], bs, nb)
	return true
}
