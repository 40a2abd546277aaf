//go:build !amd64 || purego || !gc

package cpu

// wideQ2K is whether Q2_K weights are repacked in groups of 16 rows: only
// where the AVX-512 kernels read them.
const wideQ2K = false

func dotWideQ2_K(out []float32, w []byte, nb int, a *q4Act) {
	dotWideQ2_KGeneric(out, w, nb, a)
}

func dotWideQ2_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideQ2_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ2_KGeneric(outA, wA, nb, a)
	dotWideQ2_KGeneric(outB, wB, nb, a)
}
