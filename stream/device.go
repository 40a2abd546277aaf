package stream

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Device pages streamed weights with no help from the model: it wraps the
// device a model is loaded on, learns at Map which part of the model each
// weight tensor belongs to (by where its bytes lie), and when an op first
// reads a weight of another part, it calls the Prefetcher's End for the
// part that was running and Begin for the new one. A forward pass runs its
// parts in order, so this is the layer-by-layer paging the planner
// predicted; the model package needs no hook.
//
// Like every Device it is used by one goroutine at a time.
type Device struct {
	backend.Device
	p        *Prefetcher
	mapper   backend.HostMapper // resident weights
	streamed backend.HostMapper // streamed weights (a budget.Streamed view, so they are not charged as resident)

	mu    sync.Mutex
	lazy  [][]byte               // regions mapped uncharged and never paged (AddLazy)
	owner map[backend.Buffer]int // part of each mapped weight
	cur   int                    // the part running, -1 before the first
	err   error                  // a Begin that failed: every later op fails with it
}

// regionPart finds which part's regions hold data.
func (p *Prefetcher) regionPart(data []byte) (int, bool) {
	for part, rs := range p.layers {
		if within(data, rs) {
			return part, true
		}
	}
	return 0, false
}

// within reports whether data starts inside one of regions.
func within(data []byte, regions [][]byte) bool {
	if len(data) == 0 {
		return false
	}
	a := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	for _, r := range regions {
		if len(r) == 0 {
			continue
		}
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(r)))
		if a >= lo && a < lo+uintptr(len(r)) {
			return true
		}
	}
	return false
}

// NewDevice wraps d, which must map host memory in place (the CPU), so that
// the parts p pages are paged as the forward pass reaches them. streamed
// maps the streamed parts' weights; nil means d itself (pass
// budget.As(d, budget.Streamed) to keep them out of the resident account).
func NewDevice(d backend.Device, p *Prefetcher, streamed backend.HostMapper) (*Device, error) {
	m, ok := d.(backend.HostMapper)
	if !ok {
		return nil, fmt.Errorf("stream: %s does not map host memory: %w", d.Name(), backend.ErrUnsupported)
	}
	if streamed == nil {
		streamed = m
	}
	return &Device{Device: d, p: p, mapper: m, streamed: streamed, owner: map[backend.Buffer]int{}, cur: -1}, nil
}

// AddLazy names regions whose tensors are mapped through the streamed
// mapper (so not charged as resident) but never paged: the embedding table
// when the plan streams it, of which a forward pass reads a row per token.
func (d *Device) AddLazy(regions ...[]byte) {
	d.mu.Lock()
	d.lazy = append(d.lazy, regions...)
	d.mu.Unlock()
}

// Map maps a weight and records its part when it lies in a streamed one.
func (d *Device) Map(t quant.Type, rows, cols int, data []byte) (*backend.Tensor, error) {
	d.mu.Lock()
	lazy := within(data, d.lazy)
	d.mu.Unlock()
	if lazy {
		return d.streamed.Map(t, rows, cols, data)
	}
	part, ok := d.p.regionPart(data)
	if !ok {
		return d.mapper.Map(t, rows, cols, data)
	}
	w, err := d.streamed.Map(t, rows, cols, data)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.owner[w.Buf] = part
	d.mu.Unlock()
	return w, nil
}

// Close ends the part running and drops every streamed page.
func (d *Device) Close() {
	d.mu.Lock()
	d.cur = -1
	d.mu.Unlock()
	d.p.Close()
}

// reach is called with the weights an op reads: the first weight of a new
// part ends the previous part and begins the new one.
func (d *Device) reach(ws ...*backend.Tensor) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	for _, w := range ws {
		if w == nil {
			continue
		}
		part, ok := d.owner[w.Buf]
		if !ok || part == d.cur {
			continue
		}
		if d.cur >= 0 {
			d.p.End(d.cur)
		}
		d.cur = part
		if err := d.p.Begin(part); err != nil {
			d.err = err
			return err
		}
	}
	return nil
}

func (d *Device) MatMul(dst, x, w *backend.Tensor) error {
	if err := d.reach(w); err != nil {
		return err
	}
	return d.Device.MatMul(dst, x, w)
}

func (d *Device) RMSNorm(dst, x, w *backend.Tensor, eps float32) error {
	if err := d.reach(w); err != nil {
		return err
	}
	return d.Device.RMSNorm(dst, x, w, eps)
}

func (d *Device) Add(dst, a, b *backend.Tensor) error {
	if err := d.reach(b); err != nil {
		return err
	}
	return d.Device.Add(dst, a, b)
}

func (d *Device) Embed(dst, table *backend.Tensor, ids []int32) error {
	if err := d.reach(table); err != nil {
		return err
	}
	return d.Device.Embed(dst, table, ids)
}
