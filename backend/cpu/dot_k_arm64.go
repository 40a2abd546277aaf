//go:build arm64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ4_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ4_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ4_K sets out[r] to Q4_K weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_K activations x.
func dotRowsQ4_K(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useNEON {
		dotRowsQ4_KGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q4KBlock-1]
	_ = x[nb*q8KBlock-1]
	if useDotProd {
		dotRowsQ4_KSDOT(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ4_KNEON(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsQ6_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ6_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ6_K is dotRowsQ4_K for Q6_K weights.
func dotRowsQ6_K(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useNEON {
		dotRowsQ6_KGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q6KBlock-1]
	_ = x[nb*q8KBlock-1]
	if useDotProd {
		dotRowsQ6_KSDOT(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ6_KNEON(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsQ4_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsQ4_Kx4 is dotRowsQ4_K for four tokens: out[t] for the Q8_K row
// at x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them
// out); it reports false where it cannot run.
func dotRowsQ4_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return dotRowsKx4(dotRowsQ4_Kx4SDOT, q4KBlock, out, w, stride, x, xb, nb)
}

// dotRowsKx4 checks the shapes and runs a four-token K-quant kernel (only
// with FEAT_DotProd).
func dotRowsKx4(kern kernelX4, block int, out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	if !useDotProd {
		return false
	}
	return runX4(kern, block, q8KBlock, out, w, stride, x, xb, nb)
}

//go:noescape
func dotRowsQ6_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsQ6_Kx4 is dotRowsQ4_Kx4 for Q6_K weights.
func dotRowsQ6_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return dotRowsKx4(dotRowsQ6_Kx4SDOT, q6KBlock, out, w, stride, x, xb, nb)
}
