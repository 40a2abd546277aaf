//go:build arm64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ5_KSDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ5_KNEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ5_K sets out[r] to Q5_K weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_K activations x.
func dotRowsQ5_K(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useNEON {
		dotRowsQ5_KGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q5KBlock-1]
	_ = x[nb*q8KBlock-1]
	if useDotProd {
		dotRowsQ5_KSDOT(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ5_KNEON(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsQ5_Kx4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsQ5_Kx4 is dotRowsQ5_K for four tokens: out[t] for the Q8_K row
// at x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them
// out); it reports false where it cannot run (and without FEAT_DotProd).
func dotRowsQ5_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return dotRowsKx4(dotRowsQ5_Kx4SDOT, q5KBlock, out, w, stride, x, xb, nb)
}
