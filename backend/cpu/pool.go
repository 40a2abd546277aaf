package cpu

import (
	"runtime"
	"sync/atomic"
)

// pool is the device's persistent workers: threads-1 goroutines that, with
// the calling goroutine, run each parallel op's shares and meet at one
// barrier when it ends. A worker spins briefly on the op counter before
// parking, so the ops of a token follow each other without a goroutine
// switch, and costs nothing once the model is idle.
type pool struct {
	n    int                // shares per op: workers + the caller
	gen  atomic.Uint64      // bumped once per op
	left atomic.Int32       // workers still running the current op
	fn   func(share, n int) // the current op; written before gen is bumped
	park []atomic.Bool      // worker i is (about to be) parked
	wake []chan struct{}    // one token wakes parked worker i
	stop atomic.Bool
}

// spinBeforePark is how many checks a worker makes for the next op before
// parking: tens of microseconds, about the gap between the ops
// of one token (waking a parked worker costs tens of microseconds), short
// enough that an idle model burns no noticeable CPU.
const spinBeforePark = 1 << 16

func newPool(threads int) *pool {
	p := &pool{n: threads, park: make([]atomic.Bool, threads), wake: make([]chan struct{}, threads)}
	for i := 1; i < threads; i++ {
		p.wake[i] = make(chan struct{}, 1)
		go p.worker(i)
	}
	return p
}

func (p *pool) worker(i int) {
	var last uint64 // gen when the pool was made: a worker may start after the first op
	for {
		for spins := 0; p.gen.Load() == last; spins++ {
			if spins < spinBeforePark {
				if spins&(1<<12-1) == 1<<12-1 {
					runtime.Gosched()
				}
				continue
			}
			p.park[i].Store(true)
			if p.gen.Load() != last {
				p.park[i].Store(false)
				break
			}
			<-p.wake[i]
			spins = 0
		}
		if p.stop.Load() {
			return
		}
		last = p.gen.Load()
		p.fn(i, p.n)
		p.left.Add(-1)
	}
}

// run calls fn(share, n) for every share in [0, n) on n goroutines and
// returns when all have returned. fn must split its work by share.
func (p *pool) run(fn func(share, n int)) {
	if p.n == 1 {
		fn(0, 1)
		return
	}
	p.fn = fn
	p.left.Store(int32(p.n - 1))
	p.gen.Add(1)
	for i := 1; i < p.n; i++ {
		if p.park[i].Load() && p.park[i].CompareAndSwap(true, false) {
			select {
			case p.wake[i] <- struct{}{}:
			default:
			}
		}
	}
	fn(0, p.n)
	for spins := 0; p.left.Load() != 0; spins++ {
		if spins&(1<<12-1) == 1<<12-1 {
			runtime.Gosched()
		}
	}
	p.fn = nil
}

// close stops the workers.
func (p *pool) close() {
	p.stop.Store(true)
	p.run(func(int, int) {})
}

// parallel runs fn over [0, n) split into at most d.threads contiguous
// chunks, each at least minChunk long (a multiple of align when align > 1,
// but for the last), on the device's workers, and waits for all of them.
func (d *Device) parallel(n, minChunk int, fn func(lo, hi int)) {
	d.parallelAligned(n, minChunk, 1, fn)
}

func (d *Device) parallelAligned(n, minChunk, align int, fn func(lo, hi int)) {
	d.parallelShares(n, minChunk, align, func(_, lo, hi int) { fn(lo, hi) })
}

// parallelShares is parallelAligned with the share number (< d.threads)
// passed along, for per-share scratch.
func (d *Device) parallelShares(n, minChunk, align int, fn func(share, lo, hi int)) {
	if n <= 0 {
		return
	}
	chunks := min(d.threads, max(1, n/max(minChunk, 1)))
	if chunks <= 1 {
		fn(0, 0, n)
		return
	}
	d.pool.run(func(share, _ int) {
		if share >= chunks {
			return
		}
		lo, hi := bound(n, share, chunks, align), bound(n, share+1, chunks, align)
		if lo < hi {
			fn(share, lo, hi)
		}
	})
}

// bound is the start of chunk c of n items in chunks pieces, rounded to align.
func bound(n, c, chunks, align int) int {
	if c >= chunks {
		return n
	}
	b := n * c / chunks
	return min(n, b/align*align)
}
