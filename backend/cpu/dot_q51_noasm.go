//go:build !amd64 || purego || !gc

package cpu

func dotRowsQ5_1(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ5_1Generic(out, w, stride, x, nb)
}
