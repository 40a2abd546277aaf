package cuda

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/tern-llm/tern/backend"
)

// Sampling support on the device (sample.cu): a sampler that needs only
// the best token, or the k best, fetches k values per row instead of the
// whole vocabulary's logits.

// maxTopK is SM_MAX_K of sample.cu: the most values TopK returns per row.
const maxTopK = 1024

// sampleThreads is SM_THREADS of sample.cu.
const sampleThreads = 256

// ArgMax returns the column of the largest value of each row of x (F32),
// the first on ties, and that value. It waits for queued work.
func (d *Device) ArgMax(x *backend.Tensor) (ids []int32, vals []float32, err error) {
	xp, err := d.f32ptr(x)
	if err != nil {
		return nil, nil, err
	}
	if x.Cols == 0 {
		return nil, nil, fmt.Errorf("cuda: argmax of %v: empty rows", x)
	}
	return d.rowResults(x.Rows, 1, func(ip, vp uint64) error {
		return d.launch("argmax_f32", dims{uint32(x.Rows), 1, 1}, dims{sampleThreads, 1, 1}, 0, ip, vp, xp, i32(x.Cols))
	})
}

// TopK returns the k largest values of each row of x (F32) and their
// columns, rows×k of each, best first (ties: the lower column first; NaN
// ranks last). It waits for queued work.
func (d *Device) TopK(x *backend.Tensor, k int) (ids []int32, vals []float32, err error) {
	xp, err := d.f32ptr(x)
	if err != nil {
		return nil, nil, err
	}
	if k <= 0 || k > x.Cols || k > maxTopK {
		return nil, nil, fmt.Errorf("cuda: top %d of %v (at most %d and the row length)", k, x, maxTopK)
	}
	return d.rowResults(x.Rows, k, func(ip, vp uint64) error {
		return d.launch("topk_f32", dims{uint32(x.Rows), 1, 1}, dims{sampleThreads, 1, 1}, 8*k, ip, vp, xp, i32(x.Cols), i32(k))
	})
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

// rowResults runs kernel, which writes per ids and values per row to the
// device addresses it is given, and downloads them.
func (d *Device) rowResults(rows, per int, kernel func(ip, vp uint64) error) ([]int32, []float32, error) {
	ids, vals := make([]int32, rows*per), make([]float32, rows*per)
	if rows == 0 {
		return ids, vals, nil
	}
	unlock, err := d.enter()
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	n := 4 * rows * per
	p, err := d.results.get(d, 2*n)
	if err != nil {
		return nil, nil, err
	}
	if err := kernel(p, p+uint64(n)); err != nil {
		return nil, nil, err
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(&ids[0])
	pin.Pin(&vals[0])
	if err := d.drv.call(fnMemcpyDtoHAsync, uintptr(unsafe.Pointer(&ids[0])), uintptr(p), uintptr(n), d.stream); err != nil {
		return nil, nil, err
	}
	if err := d.drv.call(fnMemcpyDtoHAsync, uintptr(unsafe.Pointer(&vals[0])), uintptr(p+uint64(n)), uintptr(n), d.stream); err != nil {
		return nil, nil, err
	}
	if err := d.drv.call(fnStreamSynchronize, d.stream); err != nil {
		return nil, nil, err
	}
	return ids, vals, nil
}
