package engine

import (
	"math"
	"sync"
	"sync/atomic"
)

// metrics are the engine's counters and histograms.
type metrics struct {
	requests, finished, cancelled atomic.Uint64
	promptTokens, genTokens       atomic.Uint64
	steps, stepTokens             atomic.Uint64
	ttft, tpot                    histogram
}

// Latency buckets in seconds, from 1 ms to a minute.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

func (m *metrics) init() {
	m.ttft.bounds = latencyBuckets
	m.tpot.bounds = latencyBuckets
}

// histogram counts observations in cumulative buckets, as Prometheus does.
type histogram struct {
	mu     sync.Mutex
	bounds []float64
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func (h *histogram) observe(v float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.counts == nil {
		h.counts = make([]uint64, len(h.bounds)+1)
	}
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.counts[i]++
	h.sum += v
	h.n++
}

// Histogram is a snapshot: Buckets[i] counts observations ≤ Bounds[i]
// (cumulative); Count includes those above the last bound.
type Histogram struct {
	Bounds  []float64
	Buckets []uint64
	Sum     float64
	Count   uint64
}

func (h *histogram) snapshot() Histogram {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := Histogram{Bounds: h.bounds, Buckets: make([]uint64, len(h.bounds)), Sum: h.sum, Count: h.n}
	var c uint64
	for i := range h.bounds {
		if h.counts != nil {
			c += h.counts[i]
		}
		s.Buckets[i] = c
	}
	return s
}

// Stats is a snapshot of the engine's state and counters.
type Stats struct {
	Waiting, Running              int
	BlocksUsed, BlocksTotal       int
	BlocksActive                  int    // blocks put to use so far (KVGrower); BlocksTotal without one
	KVGrowths, KVRefusals         uint64 // KV growths granted and refused
	BlockSize                     int
	PrefixQueries, PrefixHits     uint64 // prompt tokens looked up and found in the prefix cache
	Preemptions                   uint64
	Requests, Finished, Cancelled uint64
	PromptTokens, GenTokens       uint64
	Steps, StepTokens             uint64
	TTFT, TPOT                    Histogram // seconds
}

// KVUsage is the fraction of KV blocks in use, 0 to 1.
func (s Stats) KVUsage() float64 {
	if s.BlocksTotal == 0 {
		return 0
	}
	return math.Min(1, float64(s.BlocksUsed)/float64(s.BlocksTotal))
}

// Stats returns a snapshot of the engine.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	s := Stats{
		Waiting: len(e.sched.waiting), Running: len(e.sched.running),
		BlocksUsed: e.sched.pool.usedCount, BlocksTotal: e.sched.pool.capacity(), BlocksActive: e.sched.pool.active,
		KVGrowths: e.sched.kv.grown, KVRefusals: e.sched.kv.refusals, BlockSize: e.cfg.BlockSize,
		PrefixQueries: e.sched.prefixQueries, PrefixHits: e.sched.prefixHits, Preemptions: e.sched.preemptions,
	}
	e.mu.Unlock()
	m := &e.metrics
	s.Requests, s.Finished, s.Cancelled = m.requests.Load(), m.finished.Load(), m.cancelled.Load()
	s.PromptTokens, s.GenTokens = m.promptTokens.Load(), m.genTokens.Load()
	s.Steps, s.StepTokens = m.steps.Load(), m.stepTokens.Load()
	s.TTFT, s.TPOT = m.ttft.snapshot(), m.tpot.snapshot()
	return s
}
