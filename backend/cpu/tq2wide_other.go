//go:build !amd64 || purego || !gc

package cpu

// wideTQ2 is whether TQ2_0 weights are repacked in groups of 16 rows:
// only where the AVX-512 kernels read them.
const wideTQ2 = false

func dotWideTQ2_0(out []float32, w []byte, nb int, a *q4Act) {
	dotWideTQ2_0Generic(out, w, nb, a)
}

func dotWideTQ2_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideTQ2_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideTQ2_0Generic(outA, wA, nb, a)
	dotWideTQ2_0Generic(outB, wB, nb, a)
}
