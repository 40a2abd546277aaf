//go:build !amd64 || purego || !gc

package cpu

// wideQ41 is whether Q4_1 and Q5_1 weights are repacked in groups of 16
// rows: only where the AVX-512 kernels read them.
const wideQ41 = false

func dotWideQ4_1(out []float32, w []byte, nb int, a *q4Act) { dotWideQ4_1Generic(out, w, nb, a) }

func dotWideQ5_1(out []float32, w []byte, nb int, a *q4Act) { dotWideQ5_1Generic(out, w, nb, a) }

func dotWideQ4_1Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ4_1Generic(outA, wA, nb, a)
	dotWideQ4_1Generic(outB, wB, nb, a)
}

func dotWideQ5_1Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	dotWideQ5_1Generic(outA, wA, nb, a)
	dotWideQ5_1Generic(outB, wB, nb, a)
}

func dotWideQ4_1x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotWideQ5_1x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }
