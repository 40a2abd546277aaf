//go:build amd64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ2_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ2_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ2_K sets out[r] to Q2_K weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_K activations x.
func dotRowsQ2_K(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsQ2_KGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q2KBlock-1]
	_ = x[nb*q8KBlock-1]
	if useVNNI {
		dotRowsQ2_KVNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ2_KAVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsQ2_Kx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsQ2_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsQ2_Kx4 is dotRowsQ2_K for four tokens: out[t] for the Q8_K row at
// x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them out); it
// reports false where it cannot run.
func dotRowsQ2_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return rowsx4(dotRowsQ2_Kx4VNNI, dotRowsQ2_Kx4AVX2, q2KBlock, q8KBlock, out, w, stride, x, xb, nb)
}
