//go:build arm64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ8_0SDOT(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ8_0NEON(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ8_0 sets out[r] to the dot product of Q8_0 weight row r (rows
// stride bytes apart, nb blocks each) with the Q8_0 activations x.
func dotRowsQ8_0(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useNEON {
		dotRowsQ8_0Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q8Block-1]
	_ = x[nb*q8Block-1]
	if useDotProd {
		dotRowsQ8_0SDOT(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ8_0NEON(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

func dotGroupsQ4_0(out []float32, w []byte, nb int, a *q4Act) {
	dotGroupsQ4_0Generic(out, w, nb, a)
}

// multiToken is the number of tokens the prefill kernels take at once;
// arm64 has no four-token kernels, so the x4 functions decline.
const multiToken = 4

func dotGroupsQ4_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotRowsQ8_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, u []byte, d []float32, nb int) bool {
	return false
}

func dotRowsTQ2_0(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsTQ2_0Generic(out, w, stride, x, nb)
}

func dotRowsQ4_K(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ4_KGeneric(out, w, stride, x, nb)
}

func dotRowsQ6_K(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ6_KGeneric(out, w, stride, x, nb)
}

func dotRowsQ4_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}

func dotRowsQ6_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
