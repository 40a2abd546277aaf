//go:build amd64 && gc && !purego

package cpu

import "golang.org/x/sys/cpu"

// useX4 says whether the four-token kernels of formats.go can run: they
// keep each token's sums in Y16-Y31 (AVX-512 VL and BW) beside VNNI.
var useX4 = cpu.X86.HasAVX512BW

// rowsx4 checks the shapes of a four-token kernel's call (rows of block-byte
// weight blocks against four activation rows of xblock-byte blocks, xb
// bytes apart; outputs spaced evenly) and runs kern, reporting false where
// it cannot.
func rowsx4(kern kernelX4, block, xblock int, out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	if !useVNNI || !useX4 {
		return false
	}
	return runX4(kern, block, xblock, out, w, stride, x, xb, nb)
}
