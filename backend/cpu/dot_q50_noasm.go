//go:build (!amd64 && !arm64) || !gc || purego

package cpu

func dotRowsQ5_0(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ5_0Generic(out, w, stride, x, nb)
}

func dotRowsQ5_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
