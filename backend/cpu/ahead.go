package cpu

import (
	"sync/atomic"
	"unsafe"
)

// Reading ahead. A decode step's one-token products come in the same
// order token after token, with serial work between them (the rotation,
// the conversion of the activations, the norms, the SwiGLU) that leaves
// the workers waiting. One core reads memory at about half the speed of
// two, so while a worker waits, the memory is half idle. So each worker
// reads into its L2, while it waits, the weights of the piece it will make
// first in the next product: sharedRows learns which product follows which
// (aheadPlans), reserves the first piece of every one-token product for
// each worker (cut, claimPieces), at most aheadBytes of weights, and hands
// every worker its piece of the product that followed this one the last
// time. A wrong guess costs a worker's idle reads and nothing else; the
// reads are prefetch instructions, which never fault, so weights freed
// since are harmless too.

// aheadBytes is the most weight bytes of a worker's reserved piece: half
// the 1 MiB L2 of the machines measured, leaving room for the activations
// and the serial work's data. In the 1.1B Q4_0 decode (session 20) 256 KiB
// and 1 MiB did as well: a worker's waits, not the piece, bound what it
// reads ahead.
const aheadBytes = 512 << 10

// aheadStep is the bytes a waiting worker asks for between two looks at
// the pool's op counter: a hundred nanoseconds or so of memory.
const aheadStep = 4 << 10

// aheadRegion is a run of weight bytes, kept as an address so that a plan
// holds no memory alive (see aheadPlans on freed weights).
type aheadRegion struct {
	p atomic.Uintptr
	n atomic.Int64
}

// aheadPlan is what one product (keyed by its first matrix's weights)
// reserves for its workers: worker i's piece reads regions[i-1], two runs
// of rows for a two-run kernel (kernel.rowsTwo), one otherwise.
type aheadPlan struct {
	regions [][2]aheadRegion
	next    *aheadPlan // the product that followed it last (the caller's alone)
}

// aheadShare is worker i's reading ahead: the plan it reads once the
// pool has run op after, and, the worker's own, how far it has got.
type aheadShare struct {
	plan  atomic.Pointer[aheadPlan]
	after atomic.Uint64
	cur   *aheadPlan
	gen   uint64 // cur's after
	done  int    // bytes into each of the piece's streams asked for
	_     [cacheLine]byte
}

// aheadPlans learns the order of a device's one-token products and hands
// the workers what to read ahead. Only the goroutine calling ops (never a
// worker) makes plans; the workers read them through atomics.
type aheadPlans struct {
	byKey  map[*byte]*aheadPlan
	prev   *aheadPlan
	shares []aheadShare // by participant, made with the device; 0 (the caller) unused
}

// plan returns the plan of the product whose first matrix's weights start
// at key, made the first time.
func (a *aheadPlans) plan(key *byte) *aheadPlan {
	if p := a.byKey[key]; p != nil {
		return p
	}
	if a.byKey == nil {
		a.byKey = map[*byte]*aheadPlan{}
	}
	p := &aheadPlan{regions: make([][2]aheadRegion, len(a.shares)-1)}
	a.byKey[key] = p
	return p
}

// begin records that the product with plan p runs next, as pool op gen,
// and hands each worker its piece of the product that followed p the last
// time, to read once p's pieces are gone.
func (a *aheadPlans) begin(p *aheadPlan, gen uint64) {
	if a.prev != nil {
		a.prev.next = p
	}
	a.prev = p
	nx := p.next
	for i := 1; i < len(a.shares); i++ {
		sh := &a.shares[i]
		sh.plan.Store(nx)
		sh.after.Store(gen)
	}
}

// drop forgets every plan if one is keyed by a weight of keys, which is
// being freed: other weights may take its place, and its plans' successors
// name it.
func (a *aheadPlans) drop(keys ...*byte) {
	for _, k := range keys {
		if _, ok := a.byKey[k]; ok && k != nil {
			a.forget()
			return
		}
	}
}

// forget drops every plan.
func (a *aheadPlans) forget() {
	clear(a.byKey)
	a.prev = nil
	for i := range a.shares {
		a.shares[i].plan.Store(nil)
	}
}

// set makes region r of worker i's piece b.
func (p *aheadPlan) set(i, r int, b []byte) {
	g := &p.regions[i-1][r]
	var at uintptr
	if len(b) > 0 {
		at = uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	}
	if g.p.Load() != at || g.n.Load() != int64(len(b)) {
		g.p.Store(at)
		g.n.Store(int64(len(b)))
	}
}

// read asks for the next aheadStep bytes of worker i's piece of the next
// product, once the pool has run the op that handed it over (the worker's
// last op is gen), and reports whether any was left to ask for.
func (a *aheadPlans) read(i int, gen uint64) bool {
	sh := &a.shares[i]
	p := sh.plan.Load()
	if p == nil {
		return false
	}
	after := sh.after.Load()
	if after > gen {
		return false
	}
	if sh.cur != p || sh.gen != after {
		sh.cur, sh.gen, sh.done = p, after, 0
	}
	spans := aheadSpans(&p.regions[i-1], sh.done)
	asked := false
	for _, s := range spans {
		if s.n > 0 {
			prefetchL2(s.at, s.n)
			asked = true
		}
	}
	sh.done += aheadStep / 4
	return asked
}

// aheadSpan is n bytes at address at.
type aheadSpan struct {
	at uintptr
	n  int
}

// aheadSpans is what read asks for next of a piece whose runs are
// regions, off bytes into each of its streams: the piece read as the
// two-run kernels read it, each run's halves side by side (four streams),
// aheadStep/4 bytes of each (less where a stream ends).
func aheadSpans(regions *[2]aheadRegion, off int) [4]aheadSpan {
	var s [4]aheadSpan
	for r := range 2 {
		b, m := regions[r].p.Load(), int(regions[r].n.Load())
		h := m / 2 &^ (cacheLine - 1)
		for j, st := range [2]aheadSpan{{b, h}, {b + uintptr(h), m - h}} {
			if off < st.n {
				s[2*r+j] = aheadSpan{st.at + uintptr(off), min(aheadStep/4, st.n-off)}
			}
		}
	}
	return s
}
