//go:build (!amd64 && !arm64) || !gc || purego

package cpu

func dotRowsBF16(out []float32, w []byte, stride int, x []byte, n int) {
	dotRowsBF16Generic(out, w, stride, x, n)
}

// dotRowsBF16x4 is dotRowsBF16 for four tokens, a token at a time.
func dotRowsBF16x4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	dotRowsBF16Each(out, w, stride, x, xb, nb)
	return true
}
