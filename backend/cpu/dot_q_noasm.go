//go:build (!amd64 && !arm64) || purego || !gc

package cpu

func dotRowsQ8_0(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ8_0Generic(out, w, stride, x, nb)
}

func dotGroupsQ4_0(out []float32, w []byte, nb int, a *q4Act) {
	dotGroupsQ4_0Generic(out, w, nb, a)
}

func dotGroupsQ4_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool { return false }

func dotRowsQ8_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, u []byte, d []float32, nb int) bool {
	return false
}

func dotRowsTQ2_0(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsTQ2_0Generic(out, w, stride, x, nb)
}

func dotRowsTQ2_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}

func dotRowsQ4_K(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ4_KGeneric(out, w, stride, x, nb)
}

func dotRowsQ6_K(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ6_KGeneric(out, w, stride, x, nb)
}

func dotRowsQ4_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}

func dotRowsQ6_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
