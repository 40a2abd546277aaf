//go:build !amd64 || purego || !gc

package cpu

// q4kRows is kernelFor's one-token Q4_K kernel where a 512-bit kernel
// runs: none here.
func (d *Device) q4kRows(n, nb int, wb []byte, rb int, xq []byte, xb int) (prep func(int), rows func([]float32, int, int, []byte), rowsTwo func(outA, outB []float32, wA, wB []byte), ok bool) {
	return nil, nil, nil, false
}

// kernelLevel is the levels on which kernelFor's choice of a one-token
// kernel depends: none here.
func kernelLevel() uint8 { return 0 }
