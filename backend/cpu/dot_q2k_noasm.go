//go:build (!amd64 && !arm64) || !gc || purego

package cpu

func dotRowsQ2_K(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ2_KGeneric(out, w, stride, x, nb)
}

func dotRowsQ2_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
