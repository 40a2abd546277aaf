package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// mvWarps and mvTokens are MV_WARPS and MV_NT of matvec.cu: weight rows per
// block of 128 threads, and tokens per pass over the weights when n > 1.
const (
	mvWarps  = 4
	mvTokens = 8
	// mvLanesTokens is MV_LANES_NT: tokens a pass of mv_q4_0_lanes_4.
	mvLanesTokens = 4
)

// mvRows and q6kRows are MV_R of matvec.cu and KQ_R of kquants.cu: the
// weight rows each warp of the one-token Q8_0 and Q4_0 kernels, and of the
// one-token Q6_K kernels, computes (the others: one).
const (
	mvRows  = 2
	q6kRows = 2
)

// oneTokenRows is the number of weight rows a block of the one-token
// kernel (NAME_1, mv3_NAME_1) for weights of type t computes.
func oneTokenRows(t quant.Type) int {
	switch t {
	case quant.Q8_0, quant.Q4_0:
		return mvWarps * mvRows
	case quant.Q6_K:
		return mvWarps * q6kRows
	}
	return mvWarps
}

// MatMul computes dst = x·wᵀ. Activations are converted first as the CPU
// backend (and ggml) converts them: quantized to Q8_0 for the 32-element
// block formats and to Q8_K for the K-quants, rounded to F16 or BF16 for
// F16 or BF16 weights.
func (d *Device) MatMul(dst, x, w *backend.Tensor) error {
	n, k, m := x.Rows, x.Cols, w.Rows
	if w.Cols != k || dst.Rows != n || dst.Cols != m {
		return fmt.Errorf("cuda: matmul %v = %v · %vᵀ", dst, x, w)
	}
	var kernel string
	switch w.Type {
	case quant.F32:
		kernel = "mv_f32"
	case quant.F16:
		kernel = "mv_f16"
	case quant.BF16:
		kernel = "mv_bf16"
	case quant.Q8_0:
		kernel = "mv_q8_0"
	case quant.Q4_0:
		kernel = "mv_q4_0"
	case quant.Q4_K, quant.Q6_K:
		return d.matMulK(dst, x, w)
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
	// the CPU's eight lanes (q4Lanes): mv_q4_0_lanes_*, whatever the other
	// kernels' choice
	lanes := q4Lanes(w) && n < mmaMinTokens
	if !lanes {
		half := w.Type == quant.F16 || w.Type == quant.BF16
		if w.Type != quant.F32 && (n >= mmaMinTokens || half && n >= mmaHalfMinTokens) {
			return d.matMulMMA(dst, x, w, op, xp, wp)
		}
		if f, ok := d.mqFor(w.Type, n, k, w.RowBytes(), wp); ok {
			return d.matMulQ(dst, x, w, op, xp, wp, f)
		}
	}
	rs := w.RowBytes()
	aligned := wp%16 == 0 && rs%16 == 0 // mv_q4_0_lanes_* take no aligned: they read 2-byte words
	grid := dims{blocks(m, mvWarps), 1, 1}
	switch {
	case lanes && n == 1:
		kernel = "mv_q4_0_lanes_1"
	case lanes:
		kernel, grid.y = "mv_q4_0_lanes_4", blocks(n, mvLanesTokens)
	case n == 1:
		kernel += "_1"
		grid.x = blocks(m, oneTokenRows(w.Type))
	default:
		kernel += "_8"
		grid.y = blocks(n, mvTokens)
	}
	block := dims{mvWarps * 32, 1, 1}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	defer d.wrote(dst) // after converting x, which may share memory with dst only if the caller aliases them
	switch w.Type {
	case quant.F32:
		aligned = aligned && xp%16 == 0 && k%4 == 0
		return d.launch(kernel, grid, block, 0, op, wp, xp, i32(m), i32(k), i32(n), i64(rs), i32(boolInt(aligned)))
	case quant.F16, quant.BF16:
		xh, err := d.toHalf(w.Type, xp, n, k)
		if err != nil {
			return err
		}
		return d.launch(kernel, grid, block, 0, op, wp, xh, i32(m), i32(k), i32(n), i64(rs), i32(boolInt(aligned)))
	}
	xq, xd, err := d.convert("quantize_q8_0", xp, n, k)
	if err != nil {
		return err
	}
	return d.launch(kernel, grid, block, 0, op, wp, xq, xd, i32(m), i32(k), i32(n), i64(rs), i32(boolInt(aligned)))
}

// cpuQ4Rows is the row multiple from which the CPU backend, as ggml's,
// repacks Q4_0 weights and sums each row block by block; it sums the rows
// of other Q4_0 matrices in eight lanes.
const cpuQ4Rows = 8

// q4Lanes says whether w is a Q4_0 matrix the CPU backend sums in eight
// lanes (its rows not a multiple of cpuQ4Rows). MatMul runs their products
// of fewer than mmaMinTokens tokens on mv_q4_0_lanes_*, which give the
// CPU's bits: the other kernels' order can land a sum an ulp away, and the
// next op's conversion then round it to another integer or half
// (stories260K's 172-row gate and up: one greedy token of 96 differed).
func q4Lanes(w *backend.Tensor) bool { return w.Type == quant.Q4_0 && w.Rows%cpuQ4Rows != 0 }

// toHalf queues the conversion of n×k F32 activations to F16 or BF16 (t)
// into the scratch buffer. The caller holds the context.
func (d *Device) toHalf(t quant.Type, xp uint64, n, k int) (uint64, error) {
	kernel := "to_f16"
	if t == quant.BF16 {
		kernel = "to_bf16"
	}
	p, _, err := d.convert(kernel, xp, n, k)
	return p, err
}

// matMulK is MatMul for the K-quants: activations quantized to Q8_K, then
// a warp per weight row (kquants.cu).
func (d *Device) matMulK(dst, x, w *backend.Tensor) error {
	n, k, m := x.Rows, x.Cols, w.Rows
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
	if err := checkKAlign(w, wp); err != nil {
		return err
	}
	if n == 0 || m == 0 {
		return nil
	}
	if n >= mmaMinTokens {
		return d.matMulMMA(dst, x, w, op, xp, wp)
	}
	if f, ok := d.mqFor(w.Type, n, k, w.RowBytes(), wp); ok {
		return d.matMulQ(dst, x, w, op, xp, wp, f)
	}
	kernel := "mv_q4_k"
	if w.Type == quant.Q6_K {
		kernel = "mv_q6_k"
	}
	grid := dims{blocks(m, mvWarps), 1, 1}
	if n == 1 && (w.Type != quant.Q4_K || wp%16 == 0) { // mv_q4_k_1 loads 16-byte words
		kernel += "_1"
		grid.x = blocks(m, oneTokenRows(w.Type))
	} else {
		kernel += "_8"
		grid.y = blocks(n, mvTokens)
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	defer d.wrote(dst)
	xq, xd, err := d.convert("quantize_q8_k", xp, n, k)
	if err != nil {
		return err
	}
	rs := w.RowBytes()
	aligned := wp%16 == 0 && rs%16 == 0 // read by mv_q6_k_1 only
	if kernel == "mv_q6_k_1" && !aligned && wp%4 == 0 && rs%4 == 0 && q6kW4 {
		kernel, aligned = "mv_q6_k_1_w4", true
	}
	return d.launch(kernel, grid, dims{mvWarps * 32, 1, 1}, 0, op, wp, xq, xd, i32(m), i32(k), i32(n), i64(rs), i32(boolInt(aligned)))
}

// q6kW4 says whether one-token Q6_K products whose rows are only 4-byte
// aligned (an even number of 210-byte blocks, not a multiple of 8: k =
// 1536, 3072, 5632, …) run on mv_q6_k_1_w4, the pipeline with the weights
// copied in 4-byte pieces, rather than mv_q6_k_row's 2-byte loads; a
// variable so that BenchmarkQ6KRows can compare the two. On an H100 the
// pipeline took 0.70-0.90 of the time at every shape measured, 6 to 74
// blocks a row, 2048 to 151936 rows (2048×5632: 8.95 → 6.66 µs;
// 151936×1536: 117.5 → 99.9), and a Qwen2.5-1.5B-shaped Q4_K whose tied
// 151936×1536 embedding is Q6_K replayed its decode step in 1416-1419 µs
// against 1432-1436.
var q6kW4 = true

// checkKAlign checks the alignment the K-quant kernels read at: Q4_K reads
// its block headers as 4-byte words (its rows, multiples of 144 bytes, keep
// an allocation's alignment); Q6_K's 210-byte blocks are read in 2-byte
// pieces.
func checkKAlign(t *backend.Tensor, p uint64) error {
	align := uint64(2)
	if t.Type == quant.Q4_K {
		align = 4
	}
	if p%align != 0 {
		return fmt.Errorf("cuda: %v at a device address not %d-byte aligned", t, align)
	}
	return nil
}

// convCache is the last activation conversion queued into the scratch
// buffer: products that share an input (q, k and v; gate and up) convert
// it once. Every op that writes device memory calls wrote, which forgets the
// conversion when the write touches its source.
type convCache struct {
	kernel string
	src    uint64
	n, k   int
	a, b   uint64 // results: converted values; Q8 scales
	valid  bool
}

// wrote records that queued work writes t.
func (d *Device) wrote(t *backend.Tensor) {
	c := &d.conv
	if !c.valid {
		return
	}
	p, err := d.ptr(t)
	if err != nil || (p < c.src+uint64(4*c.n*c.k) && c.src < p+uint64(t.Bytes())) {
		c.valid = false
	}
}

// convert queues conversion kernel (to_f16, to_bf16, quantize_q8_0,
// quantize_q8_k) of the n×k F32 activations at xp into the scratch buffer,
// unless the scratch buffer already holds that conversion of unchanged
// activations. It returns the converted values and, for the Q8 formats,
// the block scales (n·k/32 or n·k/256 floats). The caller holds the context.
func (d *Device) convert(kernel string, xp uint64, n, k int) (a, b uint64, err error) {
	d.convHint = kernel
	c := &d.conv
	if c.valid && c.kernel == kernel && c.src == xp && c.n == n && c.k == k {
		return c.a, c.b, nil
	}
	c.valid = false
	a, b, err = d.convScratch(kernel, n, k)
	if err != nil {
		return 0, 0, err
	}
	const threads = 256
	switch kernel {
	case "quantize_q8_0", "quantize_q8_k": // a warp per block
		nb := n * k / convBlock(kernel)
		err = d.launch(kernel, dims{blocks(nb*32, threads), 1, 1}, dims{threads, 1, 1}, 0, a, b, xp, i64(nb))
	default:
		err = d.launch(kernel, dims{min(blocks(n*k, elemThreads), maxElemBlocks), 1, 1}, dims{elemThreads, 1, 1}, 0, a, xp, i64(n*k))
	}
	if err != nil {
		return 0, 0, err
	}
	*c = convCache{kernel: kernel, src: xp, n: n, k: k, a: a, b: b, valid: true}
	return a, b, nil
}

// convBlock is the block size of a conversion's scales (0 for F16, BF16).
func convBlock(kernel string) int {
	switch kernel {
	case "quantize_q8_0":
		return 32
	case "quantize_q8_k":
		return 256
	}
	return 0
}

// convScratch sizes the scratch buffer for conversion kernel of n×k
// values and returns where the values and the Q8 scales go.
func (d *Device) convScratch(kernel string, n, k int) (a, b uint64, err error) {
	vbytes, nb := 2*n*k, 0 // halves
	if block := convBlock(kernel); block > 0 {
		vbytes, nb = n*k, n*k/block
	}
	vbytes = (vbytes + 255) &^ 255
	p, err := d.scratch.get(d, vbytes+4*nb)
	if err != nil {
		return 0, 0, err
	}
	return p, p + uint64(vbytes), nil
}

// fuseConv is for ops that write an n×k F32 tensor at p that a product
// reads next (RMSNorm, SwiGLU): when the last product of its kind (one-token
// products for n < mmaMinTokens, tensor-core ones from there: convHint,
// mmaHint) converted its input and the shape allows it, it prepares the
// scratch buffer for that conversion of the op's output and returns the
// conversion's name and destinations; the op then converts what it writes
// in the same kernel and calls converted. ok is false otherwise.
func (d *Device) fuseConv(n, k int) (kernel string, a, b uint64, ok bool, err error) {
	kernel = d.hintFor(n)
	if kernel == "" || n == 0 {
		return "", 0, 0, false, nil
	}
	if block := convBlock(kernel); block > 0 && k%block != 0 {
		return "", 0, 0, false, nil
	}
	if a, b, err = d.convScratch(kernel, n, k); err != nil {
		return "", 0, 0, false, err
	}
	return kernel, a, b, true, nil
}

// hintFor is the conversion the last product of n tokens' kind took
// (fuseConv).
func (d *Device) hintFor(n int) string {
	if n >= mmaMinTokens {
		return d.mmaHint
	}
	return d.convHint
}

// converted records that the scratch buffer now holds conversion kernel
// of the n×k activations at p (written by a fused op, after fuseConv).
func (d *Device) converted(kernel string, p uint64, n, k int, a, b uint64) {
	d.conv = convCache{kernel: kernel, src: p, n: n, k: k, a: a, b: b, valid: true}
}
