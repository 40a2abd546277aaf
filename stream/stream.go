// Package stream pages the weights of streamed layers through memory: the
// planner marks layers whose weights stay in the memory-mapped model file
// rather than resident, and before layer i runs the Prefetcher maps its
// pages in (MADV_POPULATE_READ, or a touch per page) and asks the kernel
// to read layer i+1 ahead (madvise WILLNEED); with Overlap, layer i+1 is
// mapped in from a goroutine while layer i runs. When layer i is done, its
// pages are dropped from the process (madvise DONTNEED), so resident
// memory holds one or two layers of streamed weights however large the
// model is. The page cache may keep the
// dropped pages (it is the kernel's to evict), which makes the next pass
// fast when the host has memory to spare. A kernel that caches files in
// large folios (Linux 6.x on ext4, xfs) maps a whole folio, up to 2 MiB,
// on a fault, so the window can hold up to a folio more at each end.
//
// It knows byte ranges, not models: the loader gives it each layer's
// tensor data (slices of the mapping). It imports budget, which charges the
// window to the device's accountant.
package stream

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"time"
	"unsafe"

	"github.com/tern-llm/tern/budget"
)

// Prefetcher pages the streamed layers of one model. Layers are numbered by
// the caller (usually the model's layer index); a layer without regions
// (resident) is skipped.
//
// Begin and End are called by the goroutine that runs the forward pass,
// in layer order; the prefetch goroutines it starts are its own.
type Prefetcher struct {
	// Overlap prefetches the next streamed layer from a goroutine while
	// the current one runs. Set it only when a core is free for that
	// goroutine: where the compute's threads take every core, the prefetch
	// preempts them in the middle of their ops, and each op waits for its
	// descheduled worker (the 1.1B Q8_0 under 300 MiB on two cores ran at
	// 2 tokens/s so; mapping each layer in before it runs, on the thread
	// that computes, costs the sum of the two and no more). Without it,
	// Begin maps the layer in itself and only asks the kernel to read the
	// next one ahead (WILLNEED, which reads a cold file without a thread).
	Overlap bool

	layers map[int][][]byte // regions of each streamed layer
	order  []int            // streamed layers in order, for "the next one"
	acct   *budget.Accountant
	page   int

	mu      sync.Mutex
	charged map[int]uint64        // layers whose bytes are charged to acct
	pending map[int]chan struct{} // prefetches running, closed when done
	sink    uint64                // keeps the touching reads
	fetched uint64                // bytes prefetched, for Rate
	spent   time.Duration         // time the prefetches took
}

// New returns a prefetcher for layers: for each streamed layer, the byte
// slices (within a memory-mapped file) its weights occupy. acct, when not
// nil, is charged (class budget.Streamed) for the layers in memory: the one
// running and the one prefetched.
func New(layers map[int][][]byte, acct *budget.Accountant) *Prefetcher {
	p := &Prefetcher{layers: layers, acct: acct, page: os.Getpagesize(),
		charged: map[int]uint64{}, pending: map[int]chan struct{}{}}
	for i := range layers {
		p.order = append(p.order, i)
	}
	sort.Ints(p.order)
	return p
}

// Bytes is the size of a layer's regions.
func (p *Prefetcher) Bytes(layer int) uint64 {
	var n uint64
	for _, r := range p.layers[layer] {
		n += uint64(len(r))
	}
	return n
}

// next is the streamed layer after layer, or -1.
func (p *Prefetcher) next(layer int) int {
	for _, i := range p.order {
		if i > layer {
			return i
		}
	}
	return -1
}

// Begin is called before layer runs: it makes sure the layer is charged
// and mapped in (waiting for a prefetch in flight, or mapping it now
// without Overlap), then, with Overlap, starts the prefetch of the next
// streamed layer if its charge fits the budget (if not, the next layer is
// read when it runs). The error wraps
// backend.ErrOutOfMemory when the layer itself does not fit.
func (p *Prefetcher) Begin(layer int) error {
	if _, ok := p.layers[layer]; !ok {
		return nil
	}
	if err := p.charge(layer); err != nil {
		return err
	}
	p.mu.Lock()
	done, inFlight := p.pending[layer]
	p.mu.Unlock()
	switch {
	case inFlight:
		<-done
	case p.Overlap:
		p.advise(layer, adviseWillNeed)
	default:
		p.fetch(layer)
	}
	if n := p.next(layer); n >= 0 {
		if p.Overlap {
			p.prefetch(n)
		} else {
			p.advise(n, adviseWillNeed)
		}
	}
	return nil
}

// End is called when layer has run: its pages leave the process and its
// charge is released.
func (p *Prefetcher) End(layer int) {
	if _, ok := p.layers[layer]; !ok {
		return
	}
	p.mu.Lock()
	done, inFlight := p.pending[layer]
	p.mu.Unlock()
	if inFlight {
		<-done
	}
	p.advise(layer, adviseDontNeed)
	p.mu.Lock()
	delete(p.pending, layer)
	n, ok := p.charged[layer]
	delete(p.charged, layer)
	p.mu.Unlock()
	if ok && p.acct != nil {
		p.acct.Release(budget.Streamed, n)
	}
}

// Rate is the speed at which prefetches have brought parts in so far, in
// bytes/s (0 before the first): the streaming speed this machine really
// gets, which the engine can hand to plan.Options.DiskRead when it
// re-plans.
func (p *Prefetcher) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.spent <= 0 {
		return 0
	}
	return float64(p.fetched) / p.spent.Seconds()
}

// Close waits for prefetches in flight and drops every streamed page.
func (p *Prefetcher) Close() {
	for _, i := range p.order {
		p.End(i)
	}
}

// charge reserves layer's bytes once.
func (p *Prefetcher) charge(layer int) error {
	p.mu.Lock()
	_, ok := p.charged[layer]
	p.mu.Unlock()
	if ok {
		return nil
	}
	n := p.Bytes(layer)
	if p.acct != nil {
		if err := p.acct.Reserve(budget.Streamed, n); err != nil {
			return fmt.Errorf("stream: layer %d: %w", layer, err)
		}
	}
	p.mu.Lock()
	p.charged[layer] = n
	p.mu.Unlock()
	return nil
}

// prefetch charges layer and, if that fits, advises and touches its pages
// from a goroutine.
func (p *Prefetcher) prefetch(layer int) {
	p.mu.Lock()
	_, inFlight := p.pending[layer]
	p.mu.Unlock()
	if inFlight || p.charge(layer) != nil {
		return
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.pending[layer] = done
	p.mu.Unlock()
	p.advise(layer, adviseWillNeed)
	go func() {
		defer close(done)
		p.fetch(layer)
	}()
}

// fetch maps layer's pages in (MADV_POPULATE_READ, or a touch per page)
// and counts the time for Rate.
func (p *Prefetcher) fetch(layer int) {
	start := time.Now()
	var s uint64
	for _, r := range p.layers[layer] {
		if len(r) == 0 {
			continue
		}
		base := unsafe.Pointer(unsafe.SliceData(r))
		head := int(uintptr(base) & uintptr(p.page-1))
		whole := unsafe.Slice((*byte)(unsafe.Add(base, -head)), (head+len(r)+p.page-1)/p.page*p.page)
		if populate(whole) {
			continue
		}
		for i := 0; i < len(r); i += p.page {
			s += uint64(r[i])
		}
	}
	p.mu.Lock()
	p.sink += s
	p.fetched += p.Bytes(layer)
	p.spent += time.Since(start)
	p.mu.Unlock()
}

type advice int

const (
	adviseWillNeed advice = iota
	adviseDontNeed
)

// advise applies advice to every page the layer's regions touch. A page
// at a region's edge may hold a neighbour's bytes too: dropping it costs
// the neighbour a minor fault from the page cache (the mapping is a
// read-only view of the file), where keeping it would leave a page per
// edge resident for the model's lifetime.
func (p *Prefetcher) advise(layer int, a advice) {
	for _, r := range p.layers[layer] {
		if len(r) == 0 {
			continue
		}
		base := unsafe.Pointer(unsafe.SliceData(r))
		pg := p.page
		head := int(uintptr(base) & uintptr(pg-1)) // bytes from the page start to r
		n := (head + len(r) + pg - 1) / pg * pg
		_ = madvise(unsafe.Slice((*byte)(unsafe.Add(base, -head)), n), a) // advice: a kernel that declines it costs speed, not correctness
	}
}
