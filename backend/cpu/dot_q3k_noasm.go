//go:build (!amd64 && !arm64) || !gc || purego

package cpu

func dotRowsQ3_K(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ3_KGeneric(out, w, stride, x, nb)
}

func dotRowsQ3_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
