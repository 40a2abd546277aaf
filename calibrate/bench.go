package calibrate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

// DefaultBandwidthBytes is the buffer the bandwidth benchmark streams
// through: far above any cache, small enough for a machine with little
// free memory.
const DefaultBandwidthBytes = 64 << 20

// scratch is host memory the benchmarks share: the bandwidth buffer, then
// the weights of each format on a device that maps host memory in place
// (the CPU). Faulting in fresh memory for each format took most of a
// calibration's time where page faults are slow (3.5 s of 15). It is
// memory of 2 MiB pages where the system gives them (cpu.HugeBytes), as
// the CPU device keeps its weights in: read from 4 KiB pages, the
// bandwidth probe read 50-55 GB/s in minutes when decode streamed 57 GB/s
// from weights in 2 MiB pages (session 13).
type scratch struct {
	b        []byte
	releases []func() // of b and of what it outgrew, which tensors may still read
}

// bytes returns n bytes of the scratch (their contents are the last
// user's), growing it when needed.
func (s *scratch) bytes(n int) []byte {
	if len(s.b) < n {
		var release func()
		s.b, release = cpu.HugeBytes(n)
		s.releases = append(s.releases, release)
	}
	return s.b[:n]
}

// free releases the scratch's memory, once nothing reads it.
func (s *scratch) free() {
	for _, release := range s.releases {
		release()
	}
	s.b, s.releases = nil, nil
}

// bandwidthBuffer is the memory the bandwidth benchmark reads, every page
// written so that reads are of memory, not of the shared zero page.
func bandwidthBuffer(s *scratch, size int) []uint64 {
	n := max(size/8, 64)
	b := s.bytes(8 * n)
	buf := unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), n)
	for i := range buf {
		buf[i] = uint64(i)
	}
	return buf
}

// hostBandwidth measures streaming reads of buf with t goroutines, each
// summing its own contiguous share with the CPU kernels' vector loads
// (cpu.StreamRead), in bytes/s.
func hostBandwidth(ctx context.Context, buf []uint64, t int, step time.Duration) (float64, error) {
	var sink uint64
	var mu sync.Mutex
	sec, err := timeIt(step, func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var wg sync.WaitGroup
		for g := 0; g < t; g++ {
			part := buf[len(buf)*g/t : len(buf)*(g+1)/t]
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := cpu.StreamRead(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(part))), 8*len(part)))
				mu.Lock()
				sink += s
				mu.Unlock()
			}()
		}
		wg.Wait()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("calibrate: bandwidth: %w", err)
	}
	_ = sink
	return float64(len(buf)*8) / sec, nil
}

// weights makes a rows×matCols tensor of type t on d from one quantized
// random row repeated (quantizing every row with the reference quantizers
// would take longer than the benchmark; the bytes moved are the same).
func weights(d backend.Device, t quant.Type, rows int, s *scratch) (*backend.Tensor, error) {
	return weightsShape(d, t, rows, matCols, s)
}

// weightsShape is weights with rows of cols.
func weightsShape(d backend.Device, t quant.Type, rows, cols int, s *scratch) (*backend.Tensor, error) {
	rb, err := t.RowBytes(cols)
	if err != nil {
		return nil, err
	}
	src := make([]float32, cols)
	r := rand.New(rand.NewPCG(uint64(t), 7))
	for i := range src {
		src[i] = float32(r.NormFloat64() * 0.02)
	}
	row := make([]byte, rb)
	if err := quant.Quantize(t, row, src); err != nil {
		return nil, err
	}
	hm, mapped := d.(backend.HostMapper)
	var data []byte
	if mapped && s != nil {
		data = s.bytes(rb * rows)
	} else {
		data = make([]byte, rb*rows)
	}
	for i := 0; i < rows; i++ {
		copy(data[i*rb:], row)
	}
	if mapped && s != nil {
		return hm.Map(t, rows, cols, data)
	}
	w, err := d.Alloc(t, rows, cols)
	if err != nil {
		return nil, err
	}
	if err := d.Upload(w, data); err != nil {
		d.Free(w)
		return nil, err
	}
	return w, nil
}

// activations makes an n×k F32 tensor of random values on d.
func activations(d backend.Device, n, k int) (*backend.Tensor, error) {
	x, err := d.Alloc(quant.F32, n, k)
	if err != nil {
		return nil, err
	}
	v := make([]float32, n*k)
	r := rand.New(rand.NewPCG(3, 5))
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	if err := d.Upload(x, f32Bytes(v)); err != nil {
		d.Free(x)
		return nil, err
	}
	return x, nil
}

func f32Bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// probeBytes is the weight size of the first, sizing pass of a
// multiplication benchmark.
const probeBytes = 256 << 10

// mulRate times dst = x·wᵀ for n tokens against a weight of type t of at
// most maxRows rows and returns the seconds of one product and the
// weight's bytes. The size adapts to the kernel: probes, from a small
// weight up, say how many rows one quarter of the step can do, and the
// measurement runs on that many (so a slow kernel is measured in its step, and a fast
// one on a weight large enough to come from memory).
func mulRate(d backend.Device, t quant.Type, n, maxRows int, step time.Duration, s *scratch) (sec float64, bytes int, err error) {
	rb, err := t.RowBytes(matCols)
	if err != nil {
		return 0, 0, err
	}
	rows := rowsOf(probeBytes/rb, maxRows)
	// A small probe overstates a fast kernel's time per row (its fixed
	// cost is most of it): probe again at the size it asks for, until the
	// size holds (a 256 KiB probe sized a Q8_0 benchmark at 66 MB, which a
	// large L3 partly held, instead of the 256 MB asked for).
	for range 3 {
		probe, _, err := mulOnce(d, t, n, rows, 0, s)
		if err != nil {
			return 0, 0, err
		}
		want := int(float64(rows) * step.Seconds() / 4 / max(probe, 1e-9))
		if want <= rows+rows/4 || rows == maxRows {
			break
		}
		rows = rowsOf(want, maxRows)
	}
	return mulOnce(d, t, n, rows, step, s)
}

// rowGroup is the row count a benchmark weight is made a multiple of: real
// models' matrices have such row counts, and kernels that take rows in
// groups (the CPU's repacked Q4_0 takes 8, and 16 with AVX-512 VNNI, as
// its repacked Q8_0 does) fall back to slower paths for other counts,
// which a benchmark must not measure.
const rowGroup = 16

// rowsOf is n rows, at most limit, rounded down to a multiple of rowGroup
// (never below one group, or below one row when limit is smaller).
func rowsOf(n, limit int) int {
	n = min(n, limit)
	if limit >= rowGroup {
		return max(n/rowGroup*rowGroup, rowGroup)
	}
	return max(n, 1)
}

// mulOnce allocates the operands and times the product: one pass after a
// warm-up when step is 0, else timeIt(step).
func mulOnce(d backend.Device, t quant.Type, n, rows int, step time.Duration, s *scratch) (sec float64, bytes int, err error) {
	w, err := weights(d, t, rows, s)
	if err != nil {
		return 0, 0, err
	}
	defer d.Free(w)
	x, err := activations(d, n, matCols)
	if err != nil {
		return 0, 0, err
	}
	defer d.Free(x)
	dst, err := d.Alloc(quant.F32, n, rows)
	if err != nil {
		return 0, 0, err
	}
	defer d.Free(dst)
	sec, err = timeIt(step, func() error {
		if err := d.MatMul(dst, x, w); err != nil {
			return err
		}
		return d.Sync()
	})
	return sec, w.Bytes(), err
}

// matVec is matrix×vector throughput in weight bytes/s.
func matVec(d backend.Device, t quant.Type, size int, step time.Duration, s *scratch) (float64, error) {
	rb, err := t.RowBytes(matCols)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", backend.ErrUnsupported, err)
	}
	sec, bytes, err := mulRate(d, t, 1, max(size/rb, 1), step, s)
	if err != nil {
		return 0, err
	}
	return float64(bytes) / sec, nil
}

// matMat is matrix×matrix throughput in flops/s (2 per multiply-add).
func matMat(d backend.Device, t quant.Type, size int, step time.Duration, s *scratch) (float64, error) {
	rb, err := t.RowBytes(matCols)
	if err != nil {
		return 0, err
	}
	sec, bytes, err := mulRate(d, t, matmatRows, max(min(matmatWeightRows, size/rb), 1), step, s)
	if err != nil {
		return 0, err
	}
	return 2 * float64(matmatRows) * float64(bytes/rb) * matCols / sec, nil
}

// The small matrix of the cached product benchmark: a layer of the
// smallest models (stories260K's FFN is 172×64), rows a whole number of
// every format's blocks.
const smallRows, smallCols = 64, 256

// matVecSmall measures each measured format's extra fixed cost of a
// matrix×vector over an F32 one (whose cost is part of OpLatency), with
// weights in the cache: a small product's time, less the F32 one's. It
// is what a quantized format pays per product whatever its size
// (converting the input to the format's dot-product type, its own
// fan-out), which the smallest models feel.
func matVecSmall(d backend.Device, p *Profile, step time.Duration) (map[string]float64, error) {
	time1 := func(t quant.Type) (float64, error) {
		w, err := weightsShape(d, t, smallRows, smallCols, nil)
		if err != nil {
			return 0, err
		}
		defer d.Free(w)
		x, err := activations(d, 1, smallCols)
		if err != nil {
			return 0, err
		}
		defer d.Free(x)
		dst, err := d.Alloc(quant.F32, 1, smallRows)
		if err != nil {
			return 0, err
		}
		defer d.Free(dst)
		return timeIt(step, func() error {
			if err := d.MatMul(dst, x, w); err != nil {
				return err
			}
			return d.Sync()
		})
	}
	base, err := time1(quant.F32)
	if err != nil {
		return nil, fmt.Errorf("F32: %w", err)
	}
	out := map[string]float64{}
	for _, t := range DefaultFormats {
		if p.MatVec[t.String()] <= 0 || t == quant.F32 {
			continue
		}
		sec, err := time1(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		out[t.String()] = max(sec-base, 0)
	}
	return out, nil
}

// convertRate is the speed of converting weights of type t to Q8_0 (the
// usual target of a load-time conversion) on the host: dequantize and
// quantize one row at a time on one thread, scaled by threads (rows
// convert independently). In source bytes/s.
func convertRate(t quant.Type, threads int, step time.Duration) (float64, error) {
	rb, err := t.RowBytes(matCols)
	if err != nil {
		return 0, err
	}
	const rows = 16
	src := make([]byte, rb*rows)
	f := make([]float32, matCols)
	r := rand.New(rand.NewPCG(11, uint64(t)))
	for i := range f {
		f[i] = float32(r.NormFloat64() * 0.02)
	}
	if err := quant.Quantize(t, src[:rb], f); err != nil {
		return 0, err
	}
	for i := 1; i < rows; i++ {
		copy(src[i*rb:], src[:rb])
	}
	qb, _ := quant.Q8_0.RowBytes(matCols)
	dst := make([]byte, qb)
	sec, err := timeIt(step/4, func() error {
		for i := 0; i < rows; i++ {
			if err := quant.Dequantize(t, f, src[i*rb:(i+1)*rb]); err != nil {
				return err
			}
			if err := quant.Quantize(quant.Q8_0, dst, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return float64(len(src)) / sec * float64(threads), nil
}

// copyBytes is the size of the host↔device copy benchmark.
const copyBytes = 64 << 20

// copyRates times Upload and Download of copyBytes, in bytes/s.
func copyRates(d backend.Device, step time.Duration) (up, down float64, err error) {
	t, err := d.Alloc(quant.F32, copyBytes/4/1024, 1024)
	if err != nil {
		return 0, 0, err
	}
	defer d.Free(t)
	host := make([]byte, t.Bytes())
	su, err := timeIt(step, func() error {
		if err := d.Upload(t, host); err != nil {
			return err
		}
		return d.Sync()
	})
	if err != nil {
		return 0, 0, err
	}
	sd, err := timeIt(step, func() error { return d.Download(host, t) })
	if err != nil {
		return 0, 0, err
	}
	return float64(len(host)) / su, float64(len(host)) / sd, nil
}

// BandwidthProbe measures the host's streaming reads as Device does for
// each thread count of a profile, again and again over the same memory: to
// set beside a measurement taken in the same minute, on a host whose
// bandwidth moves with its neighbours' load. Close releases its memory.
type BandwidthProbe struct {
	s     scratch
	words []uint64
}

// NewBandwidthProbe returns a probe reading size bytes
// (DefaultBandwidthBytes when size ≤ 0), its pages written once here.
func NewBandwidthProbe(size int) *BandwidthProbe {
	if size <= 0 {
		size = DefaultBandwidthBytes
	}
	p := &BandwidthProbe{}
	p.words = bandwidthBuffer(&p.s, size)
	return p
}

// Measure reads the probe's memory with threads goroutines for about
// step and returns the rate in bytes/s.
func (p *BandwidthProbe) Measure(ctx context.Context, threads int, step time.Duration) (float64, error) {
	if threads < 1 {
		return 0, fmt.Errorf("calibrate: bandwidth: %d threads", threads)
	}
	if p.words == nil {
		return 0, fmt.Errorf("calibrate: bandwidth: probe closed")
	}
	return hostBandwidth(ctx, p.words, threads, step)
}

// Close releases the probe's memory; Measure then fails.
func (p *BandwidthProbe) Close() {
	p.words = nil
	p.s.free()
}
