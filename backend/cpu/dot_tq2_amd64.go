//go:build amd64 && gc && !purego

package cpu

//go:noescape
func dotRowsTQ2_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsTQ2_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsTQ2_0 sets out[r] to TQ2_0 weight row r (rows stride bytes apart,
// nb blocks each) dotted with the Q8_K activations x.
func dotRowsTQ2_0(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsTQ2_0Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*tq2Block-1]
	_ = x[nb*q8KBlock-1]
	if useVNNI {
		dotRowsTQ2_0VNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsTQ2_0AVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

//go:noescape
func dotRowsTQ2_0x4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsTQ2_0x4 is dotRowsTQ2_0 for four tokens: out[t] for the Q8_K row
// at x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them
// out); it reports false where it cannot run. Its integers are those of
// both one-token kernels (vpdpbusd and vpmaddubsw with vpmaddwd make the
// same sums of levels 0-3 times activations), so it serves VNNI machines
// too, for matrices not repacked.
func dotRowsTQ2_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	if !useAVX2 {
		return false
	}
	return runX4(dotRowsTQ2_0x4AVX2, tq2Block, q8KBlock, out, w, stride, x, xb, nb)
}
