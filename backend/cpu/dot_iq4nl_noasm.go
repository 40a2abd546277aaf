//go:build (!amd64 && !arm64) || !gc || purego

package cpu

func dotRowsIQ4_NL(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsIQ4_NLGeneric(out, w, stride, x, nb)
}

func dotRowsIQ4_NLx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
