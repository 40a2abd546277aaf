//go:build amd64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ5_1VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ5_1AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ5_1 sets out[r] to Q5_1 weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_1 activations x.
func dotRowsQ5_1(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsQ5_1Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q51Block-1]
	_ = x[nb*q81Block-1]
	if useVNNI {
		dotRowsQ5_1VNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ5_1AVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsQ5_1x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsQ5_1x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsQ5_1x4 is dotRowsQ5_1 for four tokens: out[t] for the Q8_1 row at
// x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them out); it
// reports false where it cannot run.
func dotRowsQ5_1x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return rowsx4(dotRowsQ5_1x4VNNI, dotRowsQ5_1x4AVX2, q51Block, q81Block, out, w, stride, x, xb, nb)
}
