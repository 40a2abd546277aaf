//go:build (!amd64 && !arm64) || !gc || purego

package cpu

func dotRowsTQ1_0(out []float32, w []byte, stride int, x []byte, nb int) {
	dotRowsTQ1_0Generic(out, w, stride, x, nb)
}

func dotRowsTQ1_0x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return false
}
