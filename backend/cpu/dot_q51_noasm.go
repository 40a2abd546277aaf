//go:build (!amd64 && !arm64) || !gc || purego

package cpu

func dotRowsQ5_1(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ5_1Generic(out, w, stride, x, nb)
}

func dotRowsQ5_1x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
