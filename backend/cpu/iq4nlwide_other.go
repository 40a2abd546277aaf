//go:build !amd64 || purego || !gc

package cpu

// wideIQ4NL is whether IQ4_NL weights are repacked in groups of 16 rows:
// only where the AVX-512 kernels read them.
const wideIQ4NL = false

func dotWideIQ4_NL(out []float32, w []byte, nb int, a *q4Act) {
	dotWideIQ4_NLGeneric(out, w, nb, a)
}

func dotWideIQ4_NLx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }
