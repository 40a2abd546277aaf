package cpu

import "github.com/tern-llm/tern/quant"

// formatKernel returns the SIMD kernel for the weight formats that kernelFor
// does not handle itself (those whose kernels live in their own files), and
// false for a format that has none: kernelFor then falls back to the
// one-row Go dot products of rowDotFor.
//
// Each format has a one-token kernel (prefill runs it once per token over a
// cache-sized tile of rows), and some a four-token one that unpacks each
// weight block once for four tokens; both round as the format's Go
// reference, which follows ggml's x86 kernel for the format.
func (d *Device) formatKernel(t quant.Type, n, k, m int, wb, xq []byte, xb int) (kernel, bool) {
	rb, err := t.RowBytes(k)
	if err != nil || k == 0 {
		return kernel{}, false
	}
	nb := k / t.BlockSize()
	var rows func(out []float32, w []byte, stride int, x []byte, nb int)
	var rows4 func(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool
	switch t {
	case quant.Q4_0: // rows not a multiple of 8 (kernelFor repacks the others)
		rows, rows4 = dotRowsQ4_0, dotRowsQ4_0x4
	case quant.Q4_1:
		rows, rows4 = dotRowsQ4_1, dotRowsQ4_1x4
	case quant.Q5_0:
		rows, rows4 = dotRowsQ5_0, dotRowsQ5_0x4
	case quant.Q5_1:
		rows, rows4 = dotRowsQ5_1, dotRowsQ5_1x4
	case quant.IQ4_NL:
		rows, rows4 = dotRowsIQ4_NL, dotRowsIQ4_NLx4
	case quant.Q5_K:
		rows, rows4 = dotRowsQ5_K, dotRowsQ5_Kx4
	case quant.TQ1_0:
		rows, rows4 = dotRowsTQ1_0, dotRowsTQ1_0x4
	case quant.BF16:
		rows, rows4 = dotRowsBF16, dotRowsBF16x4
	case quant.Q2_K:
		rows, rows4 = dotRowsQ2_K, dotRowsQ2_Kx4
	case quant.Q3_K:
		rows, rows4 = dotRowsQ3_K, dotRowsQ3_Kx4
	default:
		return kernel{}, false
	}
	kern := kernel{align: 1, rows: func(out []float32, r0, _ int, x []byte) {
		rows(out, wb[r0*rb:], rb, x, nb)
	}}
	if rows4 != nil {
		kern.rows4 = func(out [multiToken][]float32, r0, tok int) bool {
			return rows4(out, wb[r0*rb:], rb, xq[tok*xb:], xb, nb)
		}
	}
	return kern, true
}
