//go:build !amd64 || purego || !gc

package cpu

// wideQ5K is whether Q5_K weights are repacked in groups of 16 rows: only
// where the AVX-512 kernels read them.
const wideQ5K = false

func dotWideQ5_K(out []float32, w []byte, nb int, a *q4Act) {
	dotWideQ5_KGeneric(out, w, nb, a)
}

func dotWideQ5_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideQ5_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ5_KGeneric(outA, wA, nb, a)
	dotWideQ5_KGeneric(outB, wB, nb, a)
}
