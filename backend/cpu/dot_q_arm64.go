//go:build arm64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ8_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ8_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ8_0 sets out[r] to the dot product of Q8_0 weight row r (rows
// stride bytes apart, nb blocks each) with the Q8_0 activations x.
func dotRowsQ8_0(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useNEON {
		dotRowsQ8_0Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q8Block-1]
	_ = x[nb*q8Block-1]
	if useDotProd {
		dotRowsQ8_0SDOT(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ8_0NEON(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotGroupsQ4_0SDOT(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotGroupsQ4_0NEON(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// dotGroupsQ4_0 sets out[8g+r] to row r of repacked group g (len(out)/8
// groups of nb blocks, contiguous) dotted with the activations a.
func dotGroupsQ4_0(out []float32, w []byte, nb int, a *q4Act) {
	groups := len(out) / q4GroupRows
	if groups == 0 || nb == 0 || !useNEON {
		dotGroupsQ4_0Generic(out, w, nb, a)
		return
	}
	_ = w[groups*nb*q4GroupBlock-1]
	_ = a.q[nb*q8Block-1]
	_, _ = a.bias[nb-1], a.d[nb-1]
	if useDotProd {
		dotGroupsQ4_0SDOT(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
	} else {
		dotGroupsQ4_0NEON(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
	}
}

//go:noescape
func dotRowsTQ2_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsTQ2_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsTQ2_0x4 is dotRowsTQ2_0 for four tokens; arm64 has no such
// kernel.
func dotRowsTQ2_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}

// dotRowsTQ2_0 sets out[r] to TQ2_0 weight row r (rows stride bytes apart,
// nb blocks each) dotted with the Q8_K activations x.
func dotRowsTQ2_0(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useNEON {
		dotRowsTQ2_0Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*tq2Block-1]
	_ = x[nb*q8KBlock-1]
	if useDotProd {
		dotRowsTQ2_0SDOT(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsTQ2_0NEON(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotGroupsQ4_0x4SDOT(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// dotGroupsQ4_0x4 is dotGroupsQ4_0 for four tokens: out[t] for acts[t].
// The activation rows must be spaced evenly (as scratch lays them out);
// it declines (false) otherwise and without FEAT_DotProd.
func dotGroupsQ4_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	if !useDotProd {
		return false
	}
	groups, os, xs, bs, ok := groupStrides(out, w, nb, acts)
	if !ok {
		return false
	}
	a0 := &acts[0]
	dotGroupsQ4_0x4SDOT(&out[0][0], os, &w[0], groups, &a0.q[0], xs, &a0.bias[0], &a0.d[0], bs, nb)
	return true
}

//go:noescape
func dotRowsQ8_0x4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, d *float32, dstride int, nb int)

// dotRowsQ8_0x4 is dotRowsQ8_0 for four tokens, whose activations (xb
// bytes apart) have their block scales as float32 in d (nb apart); u (the
// quants plus 128, for x86's unsigned×signed products) is not used here.
// It declines (false) without FEAT_DotProd.
func dotRowsQ8_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, u []byte, d []float32, nb int) bool {
	rows := len(out[0])
	if !useDotProd || rows == 0 || nb == 0 {
		return false
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
	dotRowsQ8_0x4SDOT(&out[0][0], os, &w[0], stride, rows, &x[0], xb, &d[0], 4*nb, nb)
	return true
}
