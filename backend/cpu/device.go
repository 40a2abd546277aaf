// Package cpu is the CPU backend: the op set in Go (with assembly kernels
// where the processor has them), on the host's memory. It is always present.
//
// Numerics follow llama.cpp's CPU backend on x86 (AVX2/AVX-512), operation
// for operation: activations quantized as ggml quantizes them, dot products
// with ggml's lanes, lane trees and fused multiply-adds (ggml_vec_dot_*,
// tinyBLAS, the repacked Q4_0 kernels), softmax and SiLU through
// ggml_v_expf, RoPE with the compiler's contractions. Every kernel has a
// plain-Go form in that order (the reference, and the whole backend under
// -tags purego or off amd64) and assembly forms (AVX2+FMA+F16C, AVX-512
// F/VNNI) that equal it bit for bit; on the stories260K references the
// quantized models' logits match llama.cpp's to their printed precision.
//
// Ops run on a persistent worker pool (pool.go) in chunks claimed from a
// shared counter; steady-state decode allocates nothing in this package
// (scratch.go). Q4_0 weights with rows in multiples of 8 are repacked into
// 8-row groups (repack.go) when mapped or on first use, kept until Free;
// other mapped weights of 2 MiB or more are copied into 2 MiB pages (Map).
package cpu

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Device is the host CPU. Its tensors are Go memory, or host memory (such as
// a memory-mapped GGUF file) wrapped in place by Map.
//
// A Device is used by one goroutine at a time; its ops split work across
// Threads goroutines internally.
type Device struct {
	threads int
	memory  func() (free, total uint64, err error)
	pool    *pool
	scratch scratch
	repack  *repackCache // repacked weights, by the memory they came from
	// transient holds the repacked form of the streamed weights of the
	// product running (repackTransient).
	transient []byte
	shared    sharedScratch // MatMulShared's working memory
	rope      ropeMemo      // the last one-token rotation table
	attn      attnRun       // the running Attention's operands
	qkvAttn   qkvAttn       // MatMulAttention's working memory
	ahead     *aheadPlans   // the workers' reading ahead; nil: none
}

// New returns the CPU device running ops on threads goroutines (0 means one
// per available core).
func New(threads int) *Device {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	d := &Device{threads: threads, memory: hostMemory,
		repack: &repackCache{entries: map[bytesKey]repackEntry{}}}
	var idle func(int, uint64) bool
	if readsAhead && threads > 1 {
		d.ahead = &aheadPlans{shares: make([]aheadShare, threads)}
		idle = d.ahead.read
	}
	d.pool = newPool(threads, idle)
	runtime.AddCleanup(d, func(p *pool) { p.close() }, d.pool)
	runtime.AddCleanup(d, func(c *repackCache) { c.releaseAll() }, d.repack)
	return d
}

// Threads is the number of goroutines an op uses.
func (d *Device) Threads() int { return d.threads }

func (d *Device) Name() string       { return "cpu" }
func (d *Device) Kind() backend.Kind { return backend.CPU }

// Memory reports the host memory available now.
func (d *Device) Memory() (free, total uint64, err error) { return d.memory() }

// buffer is host memory. data is 8-byte aligned when Alloc made it.
type buffer struct {
	dev  *Device
	data []byte
	// packed is the repacked form of mapped weights that MatMul repacks
	// (Map, repacks), nil for other buffers: MatMul takes it without
	// looking the weights up.
	packed []byte
	// streamed weights (MapStreamed) are repacked for each product into
	// the device's transient buffer, never kept.
	streamed bool
	// one is the tensor's one-token kernel, made on its first such product
	// (kernelOf); Free drops it.
	one oneKernel
	// release, when set, unmaps data: Map's copy of the weights
	// (hugeCopy), released by Free or once the buffer is unreachable.
	release func()
	// kv is the layout of a KV cache from AllocCache.
	kv kvLayout
}

func (b *buffer) Device() backend.Device { return b.dev }

// Alloc allocates a zeroed tensor in Go memory, its pages resident
// (touched here): memory fresh from the system is otherwise mapped on its
// first write, so a step whose op writes a page first takes a page fault
// in it (a decode step's new key and value rows: a 1.1B model's cache,
// allocated per sequence, faulted 16 pages a token, 7-27 µs a StoreKV).
// Allocation pays those faults instead, as ggml, which clears a new
// buffer, does.
func (d *Device) Alloc(t quant.Type, rows, cols int) (*backend.Tensor, error) {
	n, err := t.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	if rows < 0 || (rows > 0 && n > int(^uint(0)>>1)/rows) {
		return nil, fmt.Errorf("cpu: %d×%d %s: bad shape", rows, cols, t)
	}
	words := make([]uint64, (n*rows+7)/8) // 8-byte alignment for every element type
	var data []byte
	if len(words) > 0 {
		data = unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n*rows)
		for i := 0; i < len(words); i += minPage / 8 {
			words[i] = 0
		}
	}
	return backend.NewTensor(&buffer{dev: d, data: data}, 0, t, rows, cols)
}

// Map wraps host bytes as a tensor, but for the weights one-token products
// stream it keeps copies: weights that MatMul repacks (repacks: Q4_0, and
// Q8_0, Q5_0, Q4_1, Q5_1, IQ4_NL, TQ1_0, TQ2_0, Q2_K, Q3_K, Q4_K, Q5_K and
// Q6_K with AVX-512 VNNI) are repacked here, on the device's workers, so
// that loading a model pays for it rather than its first prompt, and other
// tensors of a 2 MiB page or more are copied into memory of 2 MiB pages
// (hugeCopy); the source pages of both are then let go (pageOut). Smaller tensors are used in place. The source bytes
// must not change while the tensor is used.
func (d *Device) Map(t quant.Type, rows, cols int, data []byte) (*backend.Tensor, error) {
	n, err := t.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	if rows < 0 || len(data)/max(n, 1) < rows && n > 0 {
		return nil, fmt.Errorf("cpu: %d bytes cannot hold %d×%d %s", len(data), rows, cols, t)
	}
	buf := &buffer{dev: d, data: data[:n*rows]}
	switch {
	case repacks(t, rows, cols):
		buf.packed = d.repacked(t, buf.data, rows, cols/t.BlockSize())
		pageOut(buf.data) // the products read the copy; see pageOut
	default:
		if c, release, ok := d.hugeCopy(buf.data); ok {
			pageOut(buf.data)
			buf.data, buf.release = c, release
			runtime.AddCleanup(buf, func(f func()) { f() }, release)
		}
	}
	return backend.NewTensor(buf, 0, t, rows, cols)
}

// hugeCopy returns a copy of b in memory of 2 MiB pages (hugeMap), made on
// the device's workers, and the function that releases it (once, however
// often called); ok is false, and b is to be used as it is, where no such
// memory can be had. Weights used as stored would otherwise be read from
// a mapped file's 4 KiB page cache; Q4_0's repacked copies are such memory
// already. The 1.1B models decoded faster from the copy in separate runs,
// interleaved (bench/cpu-12-14.md, session 13): Q8_0 ×1.05–1.10, Q6_K ×1.10,
// Q4_K and TQ2_0 ×1.05, each with a fraction of the mapped file's spread
// between repetitions; in one process the Q8_0 copy and the mapped file
// differed by ~1%. It costs ~1 s more load a GB (the kernel clears each
// fresh page before the copy fills it).
func (d *Device) hugeCopy(b []byte) (c []byte, release func(), ok bool) {
	c, unmap, ok := hugeMap(len(b))
	if !ok {
		return nil, nil, false
	}
	d.parallel((len(b)+copyChunk-1)/copyChunk, 1, func(lo, hi int) {
		copy(c[lo*copyChunk:min(hi*copyChunk, len(b))], b[lo*copyChunk:])
	})
	var done atomic.Bool
	return c, func() {
		if done.CompareAndSwap(false, true) {
			unmap()
		}
	}, true
}

// copyChunk is the bytes a worker copies at once (hugeCopy).
const copyChunk = 1 << 20

// MapStreamed maps weights that the caller pages in and releases around
// each use (backend.StreamMapper): no repacked copy is made or kept, so
// their memory is the pages alone. Products with them repack what they
// need into one transient buffer per device.
func (d *Device) MapStreamed(t quant.Type, rows, cols int, data []byte) (*backend.Tensor, error) {
	n, err := t.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	if rows < 0 || len(data)/max(n, 1) < rows && n > 0 {
		return nil, fmt.Errorf("cpu: %d bytes cannot hold %d×%d %s", len(data), rows, cols, t)
	}
	return backend.NewTensor(&buffer{dev: d, data: data[:n*rows], streamed: true}, 0, t, rows, cols)
}

// streamed reports whether w was mapped by MapStreamed.
func (d *Device) streamed(w *backend.Tensor) bool {
	b, ok := w.Buf.(*buffer)
	return ok && b.dev == d && b.streamed
}

// Free drops the tensor, and any repacked copy of its weights; Go's
// collector reclaims Go memory.
func (d *Device) Free(t *backend.Tensor) {
	if b, ok := t.Buf.(*buffer); ok && b.dev == d && d.ahead != nil {
		d.ahead.drop(unsafe.SliceData(b.data), unsafe.SliceData(b.packed))
	}
	if b, err := d.bytes(t); err == nil {
		d.repack.forget(b)
	}
	if b, ok := t.Buf.(*buffer); ok && b.dev == d && t.Off == 0 && t.Bytes() == len(b.data) {
		b.packed = nil
		b.one = oneKernel{}
		if b.release != nil {
			// the views of the buffer now fail (bytes) rather than read
			// unmapped memory; the cleanup releases nothing twice
			b.release()
			b.data, b.release = nil, nil
		}
	}
}

// packedOf returns the repacked weights Map made for w, or nil when w is
// not a whole mapped tensor that MatMul repacks.
func (d *Device) packedOf(w *backend.Tensor) []byte {
	if b, ok := w.Buf.(*buffer); ok && b.dev == d && w.Off == 0 && w.Bytes() == len(b.data) {
		return b.packed
	}
	return nil
}

// minPage is the smallest memory page of the systems the device runs on
// (x86-64, arm64): Alloc writes a word every minPage bytes to touch every
// page.
const minPage = 4 << 10

// Upload copies src into dst.
func (d *Device) Upload(dst *backend.Tensor, src []byte) error {
	b, err := d.bytes(dst)
	if err != nil {
		return err
	}
	if len(src) != len(b) {
		return fmt.Errorf("cpu: upload of %d bytes into %v (%d bytes)", len(src), dst, len(b))
	}
	copy(b, src)
	return nil
}

// Download copies src into dst.
func (d *Device) Download(dst []byte, src *backend.Tensor) error {
	b, err := d.bytes(src)
	if err != nil {
		return err
	}
	if len(dst) != len(b) {
		return fmt.Errorf("cpu: download of %v (%d bytes) into %d bytes", src, len(b), len(dst))
	}
	copy(dst, b)
	return nil
}

// Sync returns at once: CPU ops finish before they return.
func (d *Device) Sync() error { return nil }

// bytes returns the memory of a tensor of this device.
func (d *Device) bytes(t *backend.Tensor) ([]byte, error) {
	b, ok := t.Buf.(*buffer)
	if !ok || b.dev != d {
		return nil, fmt.Errorf("cpu: tensor %v is not on this device", t)
	}
	n := t.Bytes()
	if t.Off < 0 || t.Off > len(b.data) || n > len(b.data)-t.Off {
		return nil, fmt.Errorf("cpu: tensor %v at %d lies outside its %d-byte buffer", t, t.Off, len(b.data))
	}
	return b.data[t.Off : t.Off+n : t.Off+n], nil
}

// f32 returns the elements of an F32 tensor of this device.
func (d *Device) f32(t *backend.Tensor) ([]float32, error) {
	if t.Type != quant.F32 {
		return nil, fmt.Errorf("cpu: tensor %v: want F32", t)
	}
	b, err := d.bytes(t)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4), nil
}

// F32 returns the elements of an F32 tensor of the CPU device, for callers
// that read results in place (tests, the sampler).
func F32(t *backend.Tensor) ([]float32, error) {
	b, ok := t.Buf.(*buffer)
	if !ok {
		return nil, fmt.Errorf("cpu: tensor %v is not a CPU tensor", t)
	}
	return b.dev.f32(t)
}

// unsafeF32 views 4-byte-aligned bytes as float32s.
func unsafeF32(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}
