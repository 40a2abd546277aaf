//go:build !amd64 || purego || !gc

package cpu

// wideQ3K is whether Q3_K weights are repacked in groups of 16 rows: only
// where the AVX-512 kernels read them.
const wideQ3K = false

func dotWideQ3_K(out []float32, w []byte, nb int, a *q4Act) {
	dotWideQ3_KGeneric(out, w, nb, a)
}

func dotWideQ3_Kx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideQ3_KTwo(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ3_KGeneric(outA, wA, nb, a)
	dotWideQ3_KGeneric(outB, wB, nb, a)
}
