package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// mvWarps and mvTokens are MV_WARPS and MV_NT of matvec.cu: weight rows per
// block of 128 threads, and tokens per pass over the weights.
const (
	mvWarps  = 4
	mvTokens = 8
)

// MatMul computes dst = x·wᵀ. Quantized weights take x quantized to Q8_0
// first, as the CPU backend (and ggml) does; F16 weights take x rounded to
// F16.
func (d *Device) MatMul(dst, x, w *backend.Tensor) error {
	n, k, m := x.Rows, x.Cols, w.Rows
	if w.Cols != k || dst.Rows != n || dst.Cols != m {
		return fmt.Errorf("cuda: matmul %v = %v · %vᵀ", dst, x, w)
	}
	switch w.Type {
	case quant.F32, quant.F16, quant.Q8_0, quant.Q4_0:
	default:
		return fmt.Errorf("cuda: matmul: %w: weight type %s", backend.ErrUnsupported, w.Type)
	}
	op, err := d.f32ptr(dst)
	if err != nil {
		return err
	}
	xp, err := d.f32ptr(x)
	if err != nil {
		return err
	}
	wp, err := d.ptr(w)
	if err != nil {
		return err
	}
	if n == 0 || m == 0 {
		return nil
	}
	rs := w.RowBytes()
	wAligned := wp%16 == 0 && rs%16 == 0
	xAligned := xp%16 == 0 && k%4 == 0
	grid := dims{blocks(m, mvWarps), blocks(n, mvTokens), 1}
	block := dims{mvWarps * 32, 1, 1}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	switch w.Type {
	case quant.F32, quant.F16:
		kernel := "mv_f32"
		if w.Type == quant.F16 {
			kernel = "mv_f16"
		}
		return d.launch(kernel, grid, block, 0, op, wp, xp, i32(m), i32(k), i32(n), i64(rs), i32(boolInt(wAligned && xAligned)))
	}
	xq, xd, err := d.quantizeQ8(xp, n, k)
	if err != nil {
		return err
	}
	kernel := "mv_q8_0"
	if w.Type == quant.Q4_0 {
		kernel = "mv_q4_0"
	}
	return d.launch(kernel, grid, block, 0, op, wp, xq, xd, i32(m), i32(k), i32(n), i64(rs), i32(boolInt(wAligned)))
}

// quantizeQ8 queues the Q8_0 quantization of x (n×k F32, k a multiple of
// 32) into the scratch buffer: quants (n·k bytes) then scales (n·k/32
// floats), both 16-byte aligned. The caller holds the context.
func (d *Device) quantizeQ8(xp uint64, n, k int) (xq, xd uint64, err error) {
	nb := n * k / 32
	qbytes := (n*k + 255) &^ 255
	p, err := d.scratch.get(d, qbytes+4*nb)
	if err != nil {
		return 0, 0, err
	}
	xq, xd = p, p+uint64(qbytes)
	const threads = 256
	err = d.launch("quantize_q8_0", dims{blocks(nb*32, threads), 1, 1}, dims{threads, 1, 1}, 0, xq, xd, xp, i64(nb))
	return xq, xd, err
}
