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
func rowsx4(kern func(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int),
	block, xblock int, out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	rows := len(out[0])
	if !useVNNI || !useX4 || rows == 0 || nb == 0 {
		return false
	}
	_ = w[(rows-1)*stride+nb*block-1]
	_ = x[(multiToken-1)*xb+nb*xblock-1]
	os := ptrDiff(&out[1][0], &out[0][0])
	for t := range multiToken {
		if len(out[t]) < rows || ptrDiff(&out[t][0], &out[0][0]) != t*os {
			return false
		}
	}
	kern(&out[0][0], os, &w[0], stride, rows, &x[0], xb, nb)
	return true
}
