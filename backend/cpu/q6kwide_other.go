//go:build !amd64 || purego || !gc

package cpu

// wideQ6K is whether Q6_K weights are repacked in groups of 16 rows: only
// where the AVX-512 kernels read them.
const wideQ6K = false

func dotWideQ6_K(out []float32, w []byte, nb int, a *q4Act) {
	dotWideQ6_KGeneric(out, w, nb, a)
}

func dotWideQ6_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideQ6_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ6_KGeneric(outA, wA, nb, a)
	dotWideQ6_KGeneric(outB, wB, nb, a)
}
