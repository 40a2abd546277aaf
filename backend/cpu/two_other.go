//go:build !amd64 || purego || !gc

package cpu

// dotRowsQ8_0Two is dotRowsQ8_0 on two runs of rows, one after the other
// (the two-stream kernel is amd64's).
func dotRowsQ8_0Two(outA, outB []float32, wA, wB []byte, stride int, x []byte, nb int) {
	dotRowsQ8_0(outA, wA, stride, x, nb)
	dotRowsQ8_0(outB, wB, stride, x, nb)
}
