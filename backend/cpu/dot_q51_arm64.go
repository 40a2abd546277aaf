//go:build arm64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ5_1SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ5_1NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ5_1 sets out[r] to Q5_1 weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_1 activations x.
func dotRowsQ5_1(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useNEON {
		dotRowsQ5_1Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q51Block-1]
	_ = x[nb*q81Block-1]
	if useDotProd {
		dotRowsQ5_1SDOT(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ5_1NEON(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsQ5_1x4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsQ5_1x4 is dotRowsQ5_1 for four tokens: out[t] for the Q8_1 row at
// x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them out); it
// reports false where it cannot run (and without FEAT_DotProd).
func dotRowsQ5_1x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	if !useDotProd {
		return false
	}
	return runX4(dotRowsQ5_1x4SDOT, q51Block, q81Block, out, w, stride, x, xb, nb)
}
