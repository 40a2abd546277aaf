package model

import (
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// acts are the activations of one step on one device, each n×width F32,
// allocated for a capacity of tokens and viewed at the step's size.
type acts struct {
	cap      int
	x, xn    *backend.Tensor // (n, dim) residual stream, normalized
	q, att   *backend.Tensor // (n, heads·headDim)
	k, v     *backend.Tensor // (n, kvHeads·headDim)
	gate, up *backend.Tensor // (n, ffn)
	logits   *backend.Tensor // (cap, vocab), on the output device (the base acts' alone)
	rows     *backend.Tensor // logits' last view (logitsTensor)
	top      *backend.Tensor // ForwardTopK's values and ids (topk.go), on the output device
	all      []*backend.Tensor
	// view is the last view acts returned (at view.n rows), returned again
	// for the same n: a step's layers then make no tensors of their own.
	view *acts
	n    int // a view's rows
	// qkv and gu are the view's q, k, v and gate, up, as the shared
	// products take them.
	qkv [3]*backend.Tensor
	gu  [2]*backend.Tensor
}

// acts returns device d's activations viewed at n rows, growing them when needed.
func (m *Model) acts(d backend.Device, n int) (*acts, error) {
	a := m.scratch[d]
	if a == nil || a.cap < n {
		c := &m.Config
		capacity := max(n, 1)
		if a != nil {
			a.free(d)
			capacity = max(n, 2*a.cap)
		}
		a = &acts{cap: capacity}
		for _, s := range []struct {
			p     **backend.Tensor
			width int
		}{{&a.x, c.Dim}, {&a.xn, c.Dim}, {&a.q, c.Heads * c.HeadDim}, {&a.att, c.Heads * c.HeadDim},
			{&a.k, c.KVHeads * c.HeadDim}, {&a.v, c.KVHeads * c.HeadDim}, {&a.gate, c.FFN}, {&a.up, c.FFN}} {
			t, err := d.Alloc(quant.F32, capacity, s.width)
			if err != nil {
				a.free(d)
				return nil, err
			}
			*s.p = t
			a.all = append(a.all, t)
		}
		m.scratch[d] = a
	}
	if v := a.view; v != nil && v.n == n {
		return v, nil
	}
	v := &acts{cap: a.cap, all: a.all, n: n}
	for _, p := range []struct{ dst, src **backend.Tensor }{{&v.x, &a.x}, {&v.xn, &a.xn}, {&v.q, &a.q}, {&v.att, &a.att},
		{&v.k, &a.k}, {&v.v, &a.v}, {&v.gate, &a.gate}, {&v.up, &a.up}} {
		*p.dst, _ = (*p.src).Slice(0, n)
	}
	v.qkv, v.gu = [3]*backend.Tensor{v.q, v.k, v.v}, [2]*backend.Tensor{v.gate, v.up}
	a.view = v
	return v, nil
}

// logitsTensor returns a k×vocab F32 tensor on d, reused across steps.
func (m *Model) logitsTensor(d backend.Device, k int) (*backend.Tensor, error) {
	a := m.scratch[d]
	if a.logits == nil || a.logits.Rows < k {
		if a.logits != nil {
			d.Free(a.logits)
		}
		t, err := d.Alloc(quant.F32, max(k, a.cap), m.Config.Vocab)
		if err != nil {
			return nil, err
		}
		a.logits, a.rows = t, nil
	}
	if a.rows == nil || a.rows.Rows != k {
		r, err := a.logits.Slice(0, k)
		if err != nil {
			return nil, err
		}
		a.rows = r
	}
	return a.rows, nil
}

func (a *acts) free(d backend.Device) {
	for _, t := range a.all {
		d.Free(t)
	}
	if a.logits != nil {
		d.Free(a.logits)
	}
	if a.top != nil {
		d.Free(a.top)
	}
	a.all, a.logits, a.rows, a.top, a.view = nil, nil, nil, nil, nil
}

// f32Bytes views float32s as bytes.
func f32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}
