//go:build !amd64 || purego || !gc

package cpu

// wideQ50 is whether Q5_0 weights are repacked in groups of 16 rows: only
// where the AVX-512 kernels read them.
const wideQ50 = false

func dotWideQ5_0(out []float32, w []byte, nb int, a *q4Act) {
	dotWideQ5_0Generic(out, w, nb, a)
}

func dotWideQ5_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideQ5_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ5_0Generic(outA, wA, nb, a)
	dotWideQ5_0Generic(outB, wB, nb, a)
}
