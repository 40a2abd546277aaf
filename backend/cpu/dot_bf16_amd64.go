//go:build amd64 && gc && !purego

package cpu

//go:noescape
func dotRowsBF16AVX2(out *float32, w *byte, stride int, x *byte, n int, rows int)

// dotRowsBF16 sets out[r] to BF16 weight row r (rows stride bytes apart, n
// elements each) dotted with the BF16 activations x.
func dotRowsBF16(out []float32, w []byte, stride int, x []byte, n int) {
	rows := len(out)
	if rows == 0 || n == 0 || !useAVX2 {
		dotRowsBF16Generic(out, w, stride, x, n)
		return
	}
	_ = w[(rows-1)*stride+2*n-1]
	_ = x[2*n-1]
	dotRowsBF16AVX2(&out[0], &w[0], stride, &x[0], n, rows)
}

//go:noescape
func dotRowsBF16x4AVX512(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsBF16x4 is dotRowsBF16 for four tokens: out[t] for the BF16 row at
// x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them out);
// it reports false where they are not. Without AVX-512, rows not a
// multiple of 64 elements long, and an odd last row, take the one-token
// kernel for each token.
func dotRowsBF16x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	rows := len(out[0])
	r2 := rows &^ 1
	if !useAVX512 || nb%vecStep != 0 {
		r2 = 0
	}
	if r2 > 0 {
		var o [multiToken][]float32
		for t := range o {
			o[t] = out[t][:r2]
		}
		if !runX4(dotRowsBF16x4AVX512, 2, 2, o, w, stride, x, xb, nb) {
			return false
		}
	}
	if r2 < rows {
		var o [multiToken][]float32
		for t := range o {
			o[t] = out[t][r2:rows]
		}
		dotRowsBF16Each(o, w[r2*stride:], stride, x, xb, nb)
	}
	return true
}
