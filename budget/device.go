package budget

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Device is a backend.Device whose allocations are charged to an
// Accountant: Alloc reserves the tensor's bytes before it allocates and
// Free releases them, so a request past the budget fails with an error
// wrapping backend.ErrOutOfMemory and no memory is touched.
//
// Tensors it returns live in its own buffers, which wrap the inner
// device's; its ops unwrap them and run on the inner device. Ops added to
// backend.Ops after this wrapper was written reach the inner device with
// wrapped tensors, which it refuses: add them here.
//
// Like every Device it is used by one goroutine at a time; the Accountant
// may be shared.
type Device struct {
	backend.Device
	*shared
	class Class
}

// shared is what a device made by Wrap and its views from As have in common.
type shared struct {
	acct *Accountant
	live liveSet
	// base is the device Wrap returned: every tensor of this wrapper and its
	// views reports it as its Device, so that tensors on one physical device
	// compare equal whichever view allocated them.
	base backend.Device
}

// mappingDevice is a Device whose inner device maps host memory in place.
type mappingDevice struct {
	*Device
	mapper backend.HostMapper
}

// liveSet holds the buffers not yet freed, so that a double Free
// releases once.
type liveSet struct {
	mu  sync.Mutex
	set map[*buffer]struct{}
}

// Wrap returns d with its allocations charged to a as class Other. The
// result implements backend.HostMapper when d does; mapped bytes are
// charged too (see As for the class that is not).
func Wrap(d backend.Device, a *Accountant) backend.Device {
	w := &Device{Device: d, shared: &shared{acct: a, live: liveSet{set: map[*buffer]struct{}{}}}}
	w.base = wrap(w)
	return w.base
}

func wrap(d *Device) backend.Device {
	if m, ok := d.Device.(backend.HostMapper); ok {
		return &mappingDevice{Device: d, mapper: m}
	}
	return d
}

// As returns a view of a device made by Wrap that charges class c, for a
// caller that knows what its allocations are for (the loader: Weights, the
// KV cache: KV). Views share the accountant and may free each other's
// tensors. Map through a Streamed view charges nothing: a streamed
// layer's residency is charged by the prefetcher's window instead.
// d must come from Wrap or As.
func As(d backend.Device, c Class) (backend.Device, error) {
	var w *Device
	switch x := d.(type) {
	case *Device:
		w = x
	case *mappingDevice:
		w = x.Device
	default:
		return nil, fmt.Errorf("budget: %s is not a budgeted device", d.Name())
	}
	if c < 0 || c >= numClasses {
		return nil, fmt.Errorf("budget: unknown %v", c)
	}
	v := *w
	v.class = c
	return wrap(&v), nil
}

// Accountant of a device made by Wrap or As; nil for any other device.
func AccountantOf(d backend.Device) *Accountant {
	switch x := d.(type) {
	case *Device:
		return x.acct
	case *mappingDevice:
		return x.acct
	}
	return nil
}

// Inner is the device that runs the ops.
func (d *Device) Inner() backend.Device { return d.Device }

// buffer is a budgeted allocation: the inner tensor and what was charged.
type buffer struct {
	dev   *Device
	inner *backend.Tensor // as the inner device returned it
	class Class
	bytes uint64
	// last is the inner view un made last, reused while callers pass the
	// same view (a decode step passes each weight and activation in the
	// same shape token after token): one op then allocates nothing here,
	// where a new view per operand cost stories260K a tenth of its step.
	// Views are never changed once made, so sharing one is safe.
	last atomic.Pointer[backend.Tensor]
}

// Device is the device Wrap returned, so that t.Device().Free(t) comes back
// to the accountant.
func (b *buffer) Device() backend.Device { return b.dev.base }

// Alloc charges rows×cols of t to the budget, then allocates.
func (d *Device) Alloc(t quant.Type, rows, cols int) (*backend.Tensor, error) {
	return d.charged(t, rows, cols, func() (*backend.Tensor, error) { return d.Device.Alloc(t, rows, cols) })
}

// AllocCache charges a KV cache's bytes to the budget, then allocates it
// through the inner device's backend.CacheAllocator (laid out its way), or
// as Alloc where the inner device has none.
func (d *Device) AllocCache(t quant.Type, blocks, blockSize, kvHeads, headDim int) (*backend.Tensor, error) {
	rows, cols, err := backend.CacheShape(blocks, blockSize, kvHeads, headDim)
	if err != nil {
		return nil, fmt.Errorf("budget: %w", err)
	}
	ca, ok := d.Device.(backend.CacheAllocator)
	if !ok {
		return d.Alloc(t, rows, cols)
	}
	return d.charged(t, rows, cols, func() (*backend.Tensor, error) {
		return ca.AllocCache(t, blocks, blockSize, kvHeads, headDim)
	})
}

// charged charges rows×cols of t to the budget, then allocates them with
// alloc, the charge released if that fails.
func (d *Device) charged(t quant.Type, rows, cols int, alloc func() (*backend.Tensor, error)) (*backend.Tensor, error) {
	rb, err := t.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("budget: %w", err)
	}
	if rows < 0 || (rows > 0 && rb > int(^uint(0)>>1)/rows) {
		return nil, fmt.Errorf("budget: %d×%d %s: bad shape", rows, cols, t)
	}
	n := uint64(rb) * uint64(rows)
	if err := d.acct.Reserve(d.class, n); err != nil {
		return nil, err
	}
	in, err := alloc()
	if err != nil {
		d.acct.Release(d.class, n)
		return nil, err
	}
	return d.adopt(in, n), nil
}

// adopt wraps an inner tensor in a charged buffer.
func (d *Device) adopt(in *backend.Tensor, n uint64) *backend.Tensor {
	b := &buffer{dev: d, inner: in, class: d.class, bytes: n}
	d.live.mu.Lock()
	d.live.set[b] = struct{}{}
	d.live.mu.Unlock()
	return &backend.Tensor{Type: in.Type, Rows: in.Rows, Cols: in.Cols, Buf: b}
}

// Free releases the tensor's buffer and its charge. A tensor that is not
// this device's is passed to the inner device unchanged.
func (d *Device) Free(t *backend.Tensor) {
	b, ok := t.Buf.(*buffer)
	if !ok {
		d.Device.Free(t)
		return
	}
	d.live.mu.Lock()
	_, live := d.live.set[b]
	delete(d.live.set, b)
	d.live.mu.Unlock()
	if !live {
		return
	}
	b.dev.Device.Free(b.inner)
	d.acct.Release(b.class, b.bytes)
}

// Map charges the bytes of a mapped tensor (nothing for a Streamed view),
// then maps them through the inner device: a Streamed view asks for a
// mapping that keeps no derived copy (backend.StreamMapper) where the inner
// device has one, since a resident copy would escape the streaming budget.
func (m *mappingDevice) Map(t quant.Type, rows, cols int, data []byte) (*backend.Tensor, error) {
	rb, err := t.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("budget: %w", err)
	}
	if rows < 0 || (rows > 0 && rb > int(^uint(0)>>1)/rows) {
		return nil, fmt.Errorf("budget: %d×%d %s: bad shape", rows, cols, t)
	}
	n := uint64(rb) * uint64(rows)
	if m.class == Streamed {
		n = 0
	}
	if err := m.acct.Reserve(m.class, n); err != nil {
		return nil, err
	}
	var in *backend.Tensor
	if sm, ok := m.mapper.(backend.StreamMapper); ok && m.class == Streamed {
		in, err = sm.MapStreamed(t, rows, cols, data)
	} else {
		in, err = m.mapper.Map(t, rows, cols, data)
	}
	if err != nil {
		m.acct.Release(m.class, n)
		return nil, err
	}
	return m.adopt(in, n), nil
}

// un returns the inner device's view of t: the same rows and offset within
// the inner tensor's buffer. The view is the buffer's last one when that
// has t's shape and offset.
func un(t *backend.Tensor) *backend.Tensor {
	if t == nil {
		return nil
	}
	b, ok := t.Buf.(*buffer)
	if !ok {
		return t
	}
	off := b.inner.Off + t.Off
	if v := b.last.Load(); v != nil && v.Type == t.Type && v.Rows == t.Rows && v.Cols == t.Cols && v.Off == off {
		return v
	}
	v := *t
	v.Buf = b.inner.Buf
	v.Off = off
	b.last.Store(&v)
	return &v
}

func (d *Device) Upload(dst *backend.Tensor, src []byte) error {
	return d.Device.Upload(un(dst), src)
}

func (d *Device) Download(dst []byte, src *backend.Tensor) error {
	return d.Device.Download(dst, un(src))
}

func (d *Device) Embed(dst, table *backend.Tensor, ids []int32) error {
	return d.Device.Embed(un(dst), un(table), ids)
}

func (d *Device) RMSNorm(dst, x, w *backend.Tensor, eps float32) error {
	return d.Device.RMSNorm(un(dst), un(x), un(w), eps)
}

func (d *Device) MatMul(dst, x, w *backend.Tensor) error {
	return d.Device.MatMul(un(dst), un(x), un(w))
}

func (d *Device) Add(dst, a, b *backend.Tensor) error {
	return d.Device.Add(un(dst), un(a), un(b))
}

func (d *Device) SwiGLU(dst, gate, up *backend.Tensor) error {
	return d.Device.SwiGLU(un(dst), un(gate), un(up))
}

func (d *Device) RoPE(x *backend.Tensor, heads int, r *backend.RoPE, b *backend.Batch) error {
	if r != nil && r.Factors != nil {
		rr := *r
		rr.Factors = un(r.Factors)
		r = &rr
	}
	return d.Device.RoPE(un(x), heads, r, b)
}

func (d *Device) StoreKV(kc, vc, k, v *backend.Tensor, b *backend.Batch) error {
	return d.Device.StoreKV(un(kc), un(vc), un(k), un(v), b)
}

func (d *Device) Attention(out, q, kc, vc *backend.Tensor, a *backend.Attn, b *backend.Batch) error {
	return d.Device.Attention(un(out), un(q), un(kc), un(vc), a, b)
}
