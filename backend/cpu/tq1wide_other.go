//go:build !amd64 || purego || !gc

package cpu

// wideTQ1 is whether TQ1_0 weights are repacked in groups of 16 rows: only
// where the AVX-512 kernels read them.
const wideTQ1 = false

func dotWideTQ1_0(out []float32, w []byte, nb int, a *q4Act) {
	dotWideTQ1_0Generic(out, w, nb, a)
}

func dotWideTQ1_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }
