//go:build !amd64 || purego || !gc

package cpu

func dotRowsF16(out []float32, w []byte, stride int, x []float32, tiled bool) {
	dotRowsF16Generic(out, w, stride, x, tiled)
}

func dotRowsF16x4(out [multiToken][]float32, w []byte, stride int, x []float32, k int) bool {
	return false
}

func dotRowsF32x4(out [multiToken][]float32, w []byte, stride int, x []float32, k int) bool {
	return false
}
