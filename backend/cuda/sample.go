package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Sampling support on the device (sample.cu): a sampler that needs only
// the best token, or the k best, fetches k values per row instead of the
// whole vocabulary's logits (backend.TopKer).

// maxTopK is SM_MAX_K of sample.cu: the most values TopK returns per row.
const maxTopK = 1024

// sampleThreads is SM_THREADS of sample.cu (softmax), topkThreads its
// TK_THREADS (argmax, top-k).
const (
	sampleThreads = 256
	topkThreads   = 1024
)

// MaxTopK is the largest k TopK selects (backend.TopKer).
func (d *Device) MaxTopK() int { return maxTopK }

// Top-k kernels of sample.cu (topKernel).
const (
	kernelArgMax   = "argmax_f32"      // k = 1, one block a row
	kernelArgMax2  = "argmax_part_f32" // k = 1, segments, then argmax_merge_f32
	kernelTopPart  = "topk_part_f32"   // k ≤ partMaxK: segments, then a 1024-thread topk_merge_f32
	kernelTopPartE = "topk_part_f32/e" // the same, selects stopping early, a 256-thread merge
	kernelTopRadix = "topk_f32"        // any k, one block a row: six reads of the row
	// partThreads is TP_THREADS of sample.cu, partSeg TP_SEG (columns of
	// a segment), partMaxK TP_MAX_K.
	partThreads = 256
	partSeg     = 8 * partThreads
	partMaxK    = 256
)

// topKernel is the kernel TopK runs for k: a decode step's rows are few,
// so the two-stage kernels, which spread a row over many blocks, serve
// the usual k (H100, one row of 32000: argmax 5.9 µs, where one block a
// row took 11.7; top 40 17.6 µs, where it took 66; 128256: 6.2, 20.6 µs).
// Stopping the selects early and a narrower merge (kernelTopPartE) gained
// nothing at 32000 and lost at 128256 (23.7 µs).
func topKernel(k int) string {
	switch {
	case k == 1:
		return kernelArgMax2
	case k <= partMaxK:
		return kernelTopPart
	}
	return kernelTopRadix
}

// TopK queues the selection of the k = vals.Cols largest values of each
// row of x (F32) into vals (F32) and their columns into ids (I32), rows×k
// each, best first (ties: the lower column first; NaN ranks last): the
// op of backend.TopKer, which a recorded step may hold.
func (d *Device) TopK(vals, ids, x *backend.Tensor) error {
	return d.topK(vals, ids, x, topKernel(vals.Cols))
}

// topK is TopK with the kernel named (tests compare them).
func (d *Device) topK(vals, ids, x *backend.Tensor, kernel string) error {
	k := vals.Cols
	if k < 1 || k > maxTopK || k > x.Cols {
		return fmt.Errorf("cuda: top %d of %v (at most %d and the row length): %w", k, x, maxTopK, backend.ErrSkip)
	}
	if vals.Rows != x.Rows || ids.Rows != x.Rows || ids.Cols != k || ids.Type != quant.I32 {
		return fmt.Errorf("cuda: top %d of %v into %v and %v (want F32 and I32 of %d×%d)", k, x, vals, ids, x.Rows, k)
	}
	if ((kernel == kernelArgMax || kernel == kernelArgMax2) && k != 1) || ((kernel == kernelTopPart || kernel == kernelTopPartE) && k > partMaxK) {
		return fmt.Errorf("cuda: %s cannot select the top %d", kernel, k)
	}
	ps, err := d.f32ptrs(vals, x, x)
	if err != nil {
		return err
	}
	ip, err := d.ptr(ids)
	if err != nil {
		return err
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(vals)
	d.wrote(ids)
	rows := x.Rows
	grid, block := dims{uint32(rows), 1, 1}, dims{topkThreads, 1, 1}
	switch kernel {
	case kernelArgMax:
		return d.launch(kernel, grid, block, 0, ip, ps[0], ps[1], i32(x.Cols))
	case kernelTopRadix:
		return d.launch(kernel, grid, block, 8*k, ip, ps[0], ps[1], i32(x.Cols), i32(k))
	}
	// two stages: the segments' results (rows×segs×k values, then as many
	// columns) wait in the results buffer
	if rows == 0 {
		return nil
	}
	segs := (x.Cols + partSeg - 1) / partSeg
	n := rows * segs * k
	pv, err := d.results.get(d, 8*n)
	if err != nil {
		return err
	}
	pi := pv + uint64(4*n)
	parts := dims{uint32(segs), uint32(rows), 1}
	if kernel == kernelArgMax2 {
		if err := d.launch(kernel, parts, dims{partThreads, 1, 1}, 0, pv, pi, ps[1], i32(x.Cols)); err != nil {
			return err
		}
		return d.launch("argmax_merge_f32", grid, dims{32, 1, 1}, 0, ip, ps[0], pv, pi, i32(segs))
	}
	early, merge := 0, block
	if kernel == kernelTopPartE {
		early, merge = 1, dims{partThreads, 1, 1}
	}
	if err := d.launch(kernelTopPart, parts, dims{partThreads, 1, 1}, 0, pv, pi, ps[1], i32(x.Cols), i32(k), i32(early)); err != nil {
		return err
	}
	return d.launch("topk_merge_f32", grid, merge, 8*k, ip, ps[0], pv, pi, i32(segs*k), i32(k), i32(early))
}

// Softmax sets each row of dst to softmax(scale·x): exp(scale·x − max)
// over its sum; scale is 1/temperature. dst may be x.
func (d *Device) Softmax(dst, x *backend.Tensor, scale float32) error {
	if dst.Rows != x.Rows || dst.Cols != x.Cols || x.Cols == 0 {
		return fmt.Errorf("cuda: softmax %v of %v", dst, x)
	}
	ps, err := d.f32ptrs(dst, x, x)
	if err != nil {
		return err
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(dst)
	return d.launch("softmax_f32", dims{uint32(x.Rows), 1, 1}, dims{sampleThreads, 1, 1}, 0, ps[0], ps[1], i32(x.Cols), f32(scale))
}
