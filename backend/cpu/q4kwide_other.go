//go:build !amd64 || purego || !gc

package cpu

// wideQ4K is whether Q4_K weights are repacked in groups of 16 rows: only
// where the AVX-512 kernels read them.
const wideQ4K = false

func dotWideQ4_K(out []float32, w []byte, nb int, a *q4Act) {
	dotWideQ4_KGeneric(out, w, nb, a)
}

func dotWideQ4_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideQ4_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ4_KGeneric(outA, wA, nb, a)
	dotWideQ4_KGeneric(outB, wB, nb, a)
}
