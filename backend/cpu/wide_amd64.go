//go:build amd64 && gc && !purego

package cpu

// The assembly kernels of the formats repacked in 16-row groups take the
// same arguments; these check them once for all (the Go slices hold what
// the kernels read) and fall back where the machine lacks AVX-512 VNNI.

// wideShape is what a repacked format's kernels read: bytes of a row's
// block (a group's block is 16 of them), of an activation block, and
// record entries (bias) a block.
type wideShape struct{ block, xblock, recs int }

type (
	wideOneAsm  func(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
	wideTwoAsm  func(outA, outB *float32, wA, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
	wideFourAsm func(outA, outB, outC, outD *float32, wA, wB, wC, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)
	wideX4Asm   func(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
)

// wideRowKernel is a one-token kernel of a repacked format (Go or
// assembly behind a check).
type wideRowKernel func(out []float32, w []byte, nb int, a *q4Act)

// checkAct bounds-checks a's record for nb blocks of s.
func (s wideShape) checkAct(a *q4Act, nb int) {
	_ = a.q[nb*s.xblock-1]
	_, _ = a.bias[s.recs*nb-1], a.d[nb-1]
}

// wideOne sets out[16g+r] to row r of group g of w (len(out)/16 groups of
// nb blocks) dotted with a: by asm, or by generic without AVX-512 VNNI.
func wideOne(asm wideOneAsm, generic wideRowKernel, s wideShape, out []float32, w []byte, nb int, a *q4Act) {
	groups := len(out) / q4WideRows
	if groups == 0 || nb == 0 || !useVNNI || !useAVX512 {
		generic(out, w, nb, a)
		return
	}
	_ = w[groups*nb*q4WideRows*s.block-1]
	s.checkAct(a, nb)
	asm(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
}

// wideTwo is wideOne on two runs of groups at once (outA from wA, outB
// from wB, len(outA) = len(outB)) by a two-stream asm, else by one on
// each.
func wideTwo(asm wideTwoAsm, one wideRowKernel, s wideShape, outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	groups, _ := wideRuns(one, s, outA, outB, wA, wB, nb, a)
	if groups == 0 {
		return
	}
	asm(&outA[0], &outB[0], &wA[0], &wB[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
}

// wideRuns checks two runs of groups for a multi-stream asm and returns
// their groups and the bytes of a group; where the asm cannot take them
// (no whole group, unequal runs, no AVX-512 VNNI) it runs one on each and
// returns 0.
func wideRuns(one wideRowKernel, s wideShape, outA, outB []float32, wA, wB []byte, nb int, a *q4Act) (groups, gb int) {
	groups = len(outA) / q4WideRows
	if groups == 0 || nb == 0 || !useVNNI || !useAVX512 || len(outB) != len(outA) {
		one(outA, wA, nb, a)
		one(outB, wB, nb, a)
		return 0, 0
	}
	gb = nb * q4WideRows * s.block
	_, _ = wA[groups*gb-1], wB[groups*gb-1]
	s.checkAct(a, nb)
	return groups, gb
}

// wideFour is wideTwo with each run read as two halves: four streams by
// four, an odd last group of each by one.
func wideFour(four wideFourAsm, one wideRowKernel, s wideShape, outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	groups, gb := wideRuns(one, s, outA, outB, wA, wB, nb, a)
	if groups == 0 {
		return
	}
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

// wideX4 runs asm for four tokens, out[t] for acts[t], and reports
// whether it could: the machine has AVX-512 VNNI and the records are
// spaced evenly (as wideKernel lays them out).
func wideX4(asm wideX4Asm, s wideShape, out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	if !useVNNI || !useAVX512 {
		return false
	}
	groups, os, xs, bs, ok := groupStridesOf(out, w, nb, acts, q4WideRows, s.block, s.xblock)
	if !ok {
		return false
	}
	for t := range multiToken {
		_ = acts[t].bias[s.recs*nb-1]
	}
	a0 := &acts[0]
	asm(&out[0][0], os, &w[0], groups, &a0.q[0], xs, &a0.bias[0], &a0.d[0], bs, nb)
	return true
}
