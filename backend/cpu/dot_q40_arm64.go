//go:build arm64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ4_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ4_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ4_0 sets out[r] to Q4_0 weight row r (rows stride bytes apart, nb
// blocks each, not repacked) dotted with the Q8_0 activations x.
func dotRowsQ4_0(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useNEON {
		dotRowsQ4_0Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q4Block-1]
	_ = x[nb*q8Block-1]
	if useDotProd {
		dotRowsQ4_0SDOT(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ4_0NEON(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsQ4_0x4SDOT(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsQ4_0x4 is dotRowsQ4_0 for four tokens: out[t] for the Q8_0 row at
// x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them out); it
// reports false where it cannot run (and without FEAT_DotProd).
func dotRowsQ4_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	if !useDotProd {
		return false
	}
	return runX4(dotRowsQ4_0x4SDOT, q4Block, q8Block, out, w, stride, x, xb, nb)
}
