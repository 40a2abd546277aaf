//go:build !amd64 || purego || !gc

package cpu

func dotRowsQ3_K(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsQ3_KGeneric(out, w, stride, x, nb)
}
