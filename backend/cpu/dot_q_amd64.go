//go:build amd64 && gc && !purego

package cpu

import "golang.org/x/sys/cpu"

// CPU features, read once. useAVX2 needs FMA and F16C too (every AVX2
// processor has them); useVNNI is AVX-512 VNNI with 256-bit vectors.
var (
	useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C
	useVNNI = useAVX2 && cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX512VL
)

//go:noescape
func dotRowsQ8_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ8_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ8_0 sets out[r] to the dot product of Q8_0 weight row r (rows
// stride bytes apart, nb blocks each) with the Q8_0 activations x.
func dotRowsQ8_0(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 {
		dotRowsQ8_0Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q8Block-1]
	_ = x[nb*q8Block-1]
	switch {
	case useVNNI:
		dotRowsQ8_0VNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	case useAVX2:
		dotRowsQ8_0AVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	default:
		dotRowsQ8_0Generic(out, w, stride, x, nb)
	}
}

//go:noescape
func dotRowsQ8_0TwoZ(outA *float32, outB *float32, wA *byte, wB *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ8_0ZFour(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, stride int, x *byte, nb int, rows int)

// q8Four: where AVX-512 runs, dotRowsQ8_0Two reads each of its two runs
// as two halves, four streams (dotRowsQ8_0ZFour), an odd last row by
// dotRowsQ8_0TwoZ; a variable so that the tests take both kernels.
var q8Four = true

//go:noescape
func dotRowsQ8_0TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ8_0Two is dotRowsQ8_0 on two runs of rows at once, outA from wA
// and outB from wB (len(outA) = len(outB), rows stride bytes apart in
// each), reading both as two streams side by side.
func dotRowsQ8_0Two(outA, outB []float32, wA, wB []byte, stride int, x []byte, nb int) {
	rows := len(outA)
	if rows == 0 || nb == 0 || !useVNNI || len(outB) != rows {
		dotRowsQ8_0(outA, wA, stride, x, nb)
		dotRowsQ8_0(outB, wB, stride, x, nb)
		return
	}
	_ = wA[(rows-1)*stride+nb*q8Block-1]
	_ = wB[(rows-1)*stride+nb*q8Block-1]
	_ = x[nb*q8Block-1]
	if useAVX512 && q8Four {
		h := rows / 2
		if h > 0 {
			dotRowsQ8_0ZFour(&outA[0], &outA[h], &outB[0], &outB[h], &wA[0], &wA[h*stride], &wB[0], &wB[h*stride], stride, &x[0], nb, h)
		}
		if r := 2 * h; r < rows {
			dotRowsQ8_0TwoZ(&outA[r], &outB[r], &wA[r*stride], &wB[r*stride], stride, &x[0], nb, rows-r)
		}
		return
	}
	if useAVX512 {
		dotRowsQ8_0TwoZ(&outA[0], &outB[0], &wA[0], &wB[0], stride, &x[0], nb, rows)
		return
	}
	dotRowsQ8_0TwoVNNI(&outA[0], &outB[0], &wA[0], &wB[0], stride, &x[0], nb, rows)
}

//go:noescape
func dotGroupsQ4_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotGroupsQ4_0AVX2(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// dotGroupsQ4_0 sets out[8g+r] to row r of repacked group g (len(out)/8
// groups of nb blocks, contiguous) dotted with the activations a.
func dotGroupsQ4_0(out []float32, w []byte, nb int, a *q4Act) {
	groups := len(out) / q4GroupRows
	if groups == 0 || nb == 0 {
		dotGroupsQ4_0Generic(out, w, nb, a)
		return
	}
	_ = w[groups*nb*q4GroupBlock-1]
	_ = a.q[nb*q8Block-1]
	_, _ = a.bias[nb-1], a.d[nb-1]
	switch {
	case useVNNI:
		dotGroupsQ4_0VNNI(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
	case useAVX2:
		dotGroupsQ4_0AVX2(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
	default:
		dotGroupsQ4_0Generic(out, w, nb, a)
	}
}

//go:noescape
func dotGroupsQ4_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

//go:noescape
func dotGroupsQ4_0x4AVX2(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

//go:noescape
func dotRowsQ8_0x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, d *float32, dstride int, nb int)

// dotGroupsQ4_0x4 is dotGroupsQ4_0 for four tokens: out[t] for acts[t].
// The activation rows must be spaced evenly (as scratch lays them out).
func dotGroupsQ4_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	if !useAVX2 {
		return false
	}
	groups, os, xs, bs, ok := groupStrides(out, w, nb, acts)
	if !ok {
		return false
	}
	a0 := &acts[0]
	if useVNNI {
		dotGroupsQ4_0x4VNNI(&out[0][0], os, &w[0], groups, &a0.q[0], xs, &a0.bias[0], &a0.d[0], bs, nb)
	} else {
		dotGroupsQ4_0x4AVX2(&out[0][0], os, &w[0], groups, &a0.q[0], xs, &a0.bias[0], &a0.d[0], bs, nb)
	}
	return true
}

//go:noescape
func dotRowsQ8_0x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, d *float32, dstride int, nb int)

//go:noescape
func dotRows2Q8_0x4VNNI(out *float32, ostride int, w *byte, stride int, pairs int, u *byte, ustride int, d *float32, dstride int, nb int)

// dotRowsQ8_0x4 is dotRowsQ8_0 for four tokens, whose activations (xb
// bytes apart) have their block scales as float32 in d (nb apart) and
// their quants plus 128 in u (32·nb bytes apart).
func dotRowsQ8_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, u []byte, d []float32, nb int) bool {
	rows := len(out[0])
	if !useAVX2 || rows == 0 || nb == 0 {
		return false
	}
	if pairs := rows / 2; pairs > 0 && useVNNI {
		_ = w[(2*pairs-1)*stride+nb*q8Block-1]
		_ = u[(multiToken-1)*32*nb+32*nb-1]
		_ = d[(multiToken-1)*nb+nb-1]
		os := ptrDiff(&out[1][0], &out[0][0])
		for t := range multiToken {
			if len(out[t]) < rows || ptrDiff(&out[t][0], &out[0][0]) != t*os {
				return false
			}
		}
		dotRows2Q8_0x4VNNI(&out[0][0], os, &w[0], stride, pairs, &u[0], 32*nb, &d[0], 4*nb, nb)
		if rows%2 == 0 {
			return true
		}
		r := rows - 1
		var o [multiToken][]float32
		for t := range o {
			o[t] = out[t][r:]
		}
		return dotRowsQ8_0x4(o, w[r*stride:], stride, x, xb, nil, d, nb)
	}
	_ = w[(rows-1)*stride+nb*q8Block-1]
	_ = x[(multiToken-1)*xb+nb*q8Block-1]
	_ = d[(multiToken-1)*nb+nb-1]
	os := ptrDiff(&out[1][0], &out[0][0])
	for t := range multiToken {
		if len(out[t]) < rows || ptrDiff(&out[t][0], &out[0][0]) != t*os {
			return false
		}
	}
	if useVNNI {
		dotRowsQ8_0x4VNNI(&out[0][0], os, &w[0], stride, rows, &x[0], xb, &d[0], 4*nb, nb)
	} else {
		dotRowsQ8_0x4AVX2(&out[0][0], os, &w[0], stride, rows, &x[0], xb, &d[0], 4*nb, nb)
	}
	return true
}
