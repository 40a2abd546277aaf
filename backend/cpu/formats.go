package cpu

import "github.com/tern-llm/tern/quant"

// formatKernel returns the SIMD kernel for the weight formats that kernelFor
// does not handle itself (those whose kernels live in their own files), and
// false for a format that has none: kernelFor then falls back to the
// one-row Go dot products of rowDotFor.
func (d *Device) formatKernel(t quant.Type, n, k, m int, wb, xq []byte, xb int) (kernel, bool) {
	switch t {
	}
	return kernel{}, false
}
