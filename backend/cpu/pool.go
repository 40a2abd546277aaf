package cpu

import (
	"runtime"
	"sync/atomic"
)

// pool is the device's persistent workers: threads-1 goroutines that, with
// the calling goroutine, run each parallel op. An op's work is cut into
// chunks that the participants claim from a shared counter (as ggml's
// threadpool does), so a worker the operating system has descheduled does
// not hold the op up: the others take its chunks, and the op ends as soon
// as every chunk is done and no worker is inside one. A worker spins
// briefly on the op counter before parking, so the ops of a token follow
// each other without a goroutine switch, and costs nothing once the model
// is idle.
type pool struct {
	n      int                // participants: workers + the caller
	gen    atomic.Uint64      // bumped once per op
	open   atomic.Uint64      // gen of the op workers may still join; 0: none
	inside atomic.Int32       // workers inside an op's function
	fn     func(share, n int) // the current op; written before gen is bumped
	park   []atomic.Bool      // worker i is (about to be) parked
	wake   []chan struct{}    // one token wakes parked worker i
	stop   atomic.Bool
	// idle, when set, is work a worker does while it waits for the op
	// after op gen, a little at a time: it reports whether it did some
	// (the worker then looks for the op again before calling it again).
	idle func(share int, gen uint64) bool
}

// spinBeforePark is how many checks a worker makes for the next op before
// parking: 90–150 µs on the 2-core development machine, longer than most
// gaps between the parallel ops of a decode step (the sampler's, the
// single-threaded small ops'), since a parked worker wakes tens of
// microseconds late and a one-token product is over before it joins.
// 1<<16 (22 µs) left the second worker parked at the start of ~30 of a
// 1.1B token's ops; 1<<18 made tg32 on 2 threads 10–13% faster (8
// interleaved rounds, bench/cpu-earlier.md: Q4_0 median 59 → 67 t/s, Q8_0 29 →
// 32), as fast as 1<<19 and 1<<20 (370 µs). The cost when idle: each
// worker spins at most those ~150 µs of a core (with a Gosched every 4096
// checks) after the last op before parking, once per idle period.
const spinBeforePark = 1 << 18

func newPool(threads int, idle func(share int, gen uint64) bool) *pool {
	p := &pool{n: threads, park: make([]atomic.Bool, threads), wake: make([]chan struct{}, threads), idle: idle}
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
			if p.idle != nil && p.idle(i, last) {
				continue
			}
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
		p.inside.Add(1)
		if p.open.Load() == last { // not finished without us already
			p.fn(i, p.n)
		}
		p.inside.Add(-1)
	}
}

// run calls fn(share, n) on the caller (share 0) and on every worker that
// joins in time (share i), and returns when fn has returned everywhere it
// was called. fn must claim its work in chunks from a counter it shares, so
// that any subset of the participants completes it.
func (p *pool) run(fn func(share, n int)) {
	if p.n == 1 {
		fn(0, 1)
		return
	}
	p.fn = fn
	g := p.gen.Load() + 1
	p.open.Store(g)
	p.gen.Store(g)
	for i := 1; i < p.n; i++ {
		if p.park[i].Load() && p.park[i].CompareAndSwap(true, false) {
			select {
			case p.wake[i] <- struct{}{}:
			default:
			}
		}
	}
	fn(0, p.n)
	p.open.Store(0)
	for spins := 0; p.inside.Load() != 0; spins++ {
		if spins&(1<<12-1) == 1<<12-1 {
			runtime.Gosched()
		}
	}
}

// close stops the workers.
func (p *pool) close() {
	p.stop.Store(true)
	p.gen.Add(1)
	for i := 1; i < p.n; i++ {
		select {
		case p.wake[i] <- struct{}{}:
		default:
		}
	}
}

// chunksPerShare is how many chunks an op is cut into per participant: a
// descheduled worker then delays the op by at most one chunk.
const chunksPerShare = 4

// parallel runs fn over [0, n) in contiguous chunks, each at least minChunk
// long, on the device's workers, and waits for all of them.
func (d *Device) parallel(n, minChunk int, fn func(lo, hi int)) {
	d.parallelShares(n, minChunk, 1, func(_, lo, hi int) { fn(lo, hi) })
}

func (d *Device) parallelAligned(n, minChunk, align int, fn func(lo, hi int)) {
	d.parallelShares(n, minChunk, align, func(_, lo, hi int) { fn(lo, hi) })
}

// parallelWorth reports whether parallel(n, minChunk, …) would hand work
// to the workers: an op that would run on the caller alone calls its body
// itself, so that the closures parallel makes (allocations) are not made.
func (d *Device) parallelWorth(n, minChunk int) bool {
	return d.threads > 1 && n >= 2*max(minChunk, 1)
}

// parallelShares is parallel with chunk starts at multiples of align and
// the participant's number (< d.threads) passed along, for per-share
// scratch: calls with the same share never overlap.
func (d *Device) parallelShares(n, minChunk, align int, fn func(share, lo, hi int)) {
	if n <= 0 {
		return
	}
	if !d.parallelWorth(n, minChunk) {
		fn(0, 0, n)
		return
	}
	minChunk = max(minChunk, 1)
	chunk := max(minChunk, n/(d.threads*chunksPerShare))
	chunk = (chunk + align - 1) / align * align
	chunks := (n + chunk - 1) / chunk
	var next atomic.Int64
	d.pool.run(func(share, _ int) {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			fn(share, c*chunk, min((c+1)*chunk, n))
		}
	})
}
