//go:build arm64 && gc && !purego

package cpu

//go:noescape
func dotRowsBF16NEON(out *float32, w *byte, stride int, x *byte, n int, rows int)

// dotRowsBF16 sets out[r] to BF16 weight row r (rows stride bytes apart, n
// elements each) dotted with the BF16 activations x.
func dotRowsBF16(out []float32, w []byte, stride int, x []byte, n int) {
	rows := len(out)
	if rows == 0 || n == 0 || !useNEON {
		dotRowsBF16Generic(out, w, stride, x, n)
		return
	}
	_ = w[(rows-1)*stride+2*n-1]
	_ = x[2*n-1]
	dotRowsBF16NEON(&out[0], &w[0], stride, &x[0], n, rows)
}

// dotRowsBF16x4 is dotRowsBF16 for four tokens, a token at a time.
func dotRowsBF16x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	dotRowsBF16Each(out, w, stride, x, xb, nb)
	return true
}
