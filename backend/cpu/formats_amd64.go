//go:build amd64 && gc && !purego

package cpu

import "golang.org/x/sys/cpu"

// useX4 says whether the VNNI four-token kernels can run: they keep each
// token's sums in Y16-Y31 (AVX-512 VL and BW).
var useX4 = cpu.X86.HasAVX512BW

// rowsx4 checks the shapes of a four-token kernel's call (rows of block-byte
// weight blocks against four activation rows of xblock-byte blocks, xb
// bytes apart; outputs spaced evenly) and runs vnni where the machine has
// AVX-512 VNNI with BW, else avx2 on AVX2, reporting false where neither
// can run.
func rowsx4(vnni, avx2 kernelX4, block, xblock int, out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	switch {
	case useVNNI && useX4:
		return runX4(vnni, block, xblock, out, w, stride, x, xb, nb)
	case useAVX2:
		return runX4(avx2, block, xblock, out, w, stride, x, xb, nb)
	}
	return false
}
