//go:build amd64 && gc && !purego

package cpu

//go:noescape
func dotRowsIQ4_NLVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsIQ4_NLAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsIQ4_NL sets out[r] to IQ4_NL weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_0 activations x.
func dotRowsIQ4_NL(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsIQ4_NLGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*iq4nlBlock-1]
	_ = x[nb*q8Block-1]
	if useVNNI {
		dotRowsIQ4_NLVNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsIQ4_NLAVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsIQ4_NLx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsIQ4_NLx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsIQ4_NLx4 is dotRowsIQ4_NL for four tokens: out[t] for the Q8_0 row at
// x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them out); it
// reports false where it cannot run.
func dotRowsIQ4_NLx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return rowsx4(dotRowsIQ4_NLx4VNNI, dotRowsIQ4_NLx4AVX2, iq4nlBlock, q8Block, out, w, stride, x, xb, nb)
}
