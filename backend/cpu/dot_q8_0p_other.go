//go:build !amd64 || purego || !gc

package cpu

func hasQ8Pairs() bool { return false }

func dotRowsQ8_0Pairs(out [multiToken][]float32, w []byte, stride int, pairs []byte, pstride, nb int) bool {
	return false
}

func hasQ8Vector() bool { return false }

func q8BlocksVector(dst []byte, src []float32, ds []float32) {}

func readAhead(b []byte) {}

func q8Q4ActVector(dst []byte, src []float32, ds []float32, bias []int32, dh []float32) {}
