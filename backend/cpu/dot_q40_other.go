//go:build !arm64 || !gc || purego

package cpu

// Q4_0 rows that are not repacked run in Go here (amd64 included: its
// repacked kernels take the multiples of 8).

func dotRowsQ4_0(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ4_0Generic(out, w, stride, x, nb)
}

func dotRowsQ4_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
