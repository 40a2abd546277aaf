//go:build (!amd64 && !arm64) || !gc || purego

package cpu

func dotRowsBF16(out []float32, w []byte, stride int, x []byte, n int) {
	dotRowsBF16Generic(out, w, stride, x, n)
}
