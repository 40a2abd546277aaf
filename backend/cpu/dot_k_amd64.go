//go:build amd64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ4_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ6_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ4_K sets out[r] to Q4_K weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_K activations x.
func dotRowsQ4_K(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsQ4_KGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q4KBlock-1]
	_ = x[nb*q8KBlock-1]
	dotRowsQ4_KAVX2(&out[0], &w[0], stride, &x[0], nb, rows)
}

// dotRowsQ6_K sets out[r] to Q6_K weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_K activations x.
func dotRowsQ6_K(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsQ6_KGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q6KBlock-1]
	_ = x[nb*q8KBlock-1]
	dotRowsQ6_KAVX2(&out[0], &w[0], stride, &x[0], nb, rows)
}
