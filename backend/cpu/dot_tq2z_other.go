//go:build !amd64 || purego || !gc

package cpu

// tq2Kernel is kernelFor's TQ2_0 kernel where a 512-bit kernel runs: none
// here.
func (d *Device) tq2Kernel(n, nb int, wb []byte, rb int, xq []byte, xb int) (kernel, bool) {
	return kernel{}, false
}
