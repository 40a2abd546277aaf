//go:build amd64 && gc && !purego

package cpu

//go:noescape
func dotRowsTQ1_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsTQ1_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsTQ1_0 sets out[r] to TQ1_0 weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_K activations x.
func dotRowsTQ1_0(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsTQ1_0Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*tq1Block-1]
	_ = x[nb*q8KBlock-1]
	if useVNNI {
		dotRowsTQ1_0VNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsTQ1_0AVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsTQ1_0x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsTQ1_0x4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsTQ1_0x4 is dotRowsTQ1_0 for four tokens: out[t] for the Q8_K row at
// x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them out); it
// reports false where it cannot run.
func dotRowsTQ1_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return rowsx4(dotRowsTQ1_0x4VNNI, dotRowsTQ1_0x4AVX2, tq1Block, q8KBlock, out, w, stride, x, xb, nb)
}
