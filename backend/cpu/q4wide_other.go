//go:build !amd64 || purego || !gc

package cpu

// wideQ4 is whether Q4_0 weights are repacked in groups of 16 rows: only
// where the AVX-512 kernels read them.
const wideQ4 = false

func dotWideQ4_0(out []float32, w []byte, nb int, a *q4Act) {
	dotWideQ4_0Generic(out, w, nb, a)
}

func dotWideQ4_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideQ4_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ4_0Generic(outA, wA, nb, a)
	dotWideQ4_0Generic(outB, wB, nb, a)
}
