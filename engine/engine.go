// Package engine turns requests into forward passes: continuous batching
// with chunked prefill under a per-step token budget, a paged KV cache with
// automatic prefix caching, preemption when blocks run out, sampling, stop
// conditions and cancellation.
//
// One goroutine (Run) owns the model and the cache. Each step is three calls
// over plain data: the scheduler plans a Step, the runner computes it, and
// the scheduler updates its sequences from the result.
//
// It imports backend, model and sample; it knows nothing about HTTP.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/sample"
)

// Errors returned by Submit.
var (
	ErrQueueFull = errors.New("engine: queue full")
	ErrTooLong   = errors.New("engine: request does not fit the context")
	ErrClosed    = errors.New("engine: closed")
)

// Model is what the engine runs: a forward pass over a batch that reads and
// writes a paged KV cache. *model.Model implements it.
type Model interface {
	Forward(ctx context.Context, kv *model.Cache, tokens []int32, b *backend.Batch, want []int, logits []float32) ([]float32, error)
}

// Config sizes the engine. Every field has a reason; zero values take the
// defaults below.
type Config struct {
	BlockSize      int // tokens per KV block
	MaxBatchTokens int // tokens computed per step, prefill chunks and decodes together
	MaxRunning     int // sequences decoding at once
	MaxQueue       int // requests waiting; beyond it Submit fails with ErrQueueFull
	MaxContext     int // tokens per sequence, prompt and completion
	// KVGrow, when set, is asked before more KV blocks are put to use
	// (KVGrower). KVBlocks are in use from the start (0: enough for one
	// MaxContext sequence), and the cache grows by at least KVGrowBlocks at
	// a time (0: 1/DefaultKVGrowDivisor of it); after a refusal the
	// engine asks again no sooner than KVRetry (0: DefaultKVRetry).
	// Without KVGrow every block is in use from the start.
	KVGrow       KVGrower
	KVBlocks     int
	KVGrowBlocks int
	KVRetry      time.Duration
	// IsEOG reports end-of-generation tokens.
	IsEOG func(int32) bool
	// Now is the clock (tests replace it).
	Now func() time.Time
	Log *slog.Logger
}

// Defaults for Config's zero fields.
const (
	DefaultBlockSize      = 16  // vLLM's default: small enough for little waste, large enough for cheap tables
	DefaultMaxBatchTokens = 512 // a prefill chunk that keeps decode latency of running requests low on a CPU
	DefaultMaxRunning     = 64
	DefaultMaxQueue       = 256
)

func (c *Config) defaults() {
	if c.BlockSize <= 0 {
		c.BlockSize = DefaultBlockSize
	}
	if c.MaxBatchTokens <= 0 {
		c.MaxBatchTokens = DefaultMaxBatchTokens
	}
	if c.MaxRunning <= 0 {
		c.MaxRunning = DefaultMaxRunning
	}
	if c.MaxQueue <= 0 {
		c.MaxQueue = DefaultMaxQueue
	}
	if c.IsEOG == nil {
		c.IsEOG = func(int32) bool { return false }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.KVRetry <= 0 {
		c.KVRetry = DefaultKVRetry
	}
}

// Request is one generation request.
type Request struct {
	Prompt      []int32
	MaxTokens   int // tokens to generate at most; 0 means until the context ends
	Sampling    sample.Params
	Logprobs    bool // report each token's log-probability
	TopLogprobs int  // and this many alternatives
}

// Engine schedules requests onto a model. Submit, Stats and Close may be
// called from any goroutine; Run is the one goroutine that computes.
type Engine struct {
	cfg Config
	m   Model
	kv  *model.Cache

	mu      sync.Mutex
	sched   *scheduler
	nextID  uint64
	wake    chan struct{}
	closed  bool
	metrics metrics
	logits  []float32
	// topVals and topIDs receive the candidates of a step served by
	// ForwardTopK (TopKModel).
	topVals []float32
	topIDs  []int32
}

// New makes an engine running m over the cache kv (whose blocks it manages).
func New(m Model, kv *model.Cache, cfg Config) (*Engine, error) {
	cfg.BlockSize = kv.BlockSize
	cfg.defaults()
	if cfg.MaxContext <= 0 {
		return nil, fmt.Errorf("engine: MaxContext %d", cfg.MaxContext)
	}
	e := &Engine{cfg: cfg, m: m, kv: kv, wake: make(chan struct{}, 1)}
	active := kv.Blocks
	if cfg.KVGrow != nil {
		active = cfg.KVBlocks
		if active <= 0 {
			active = (cfg.MaxContext + kv.BlockSize - 1) / kv.BlockSize
		}
		if cfg.KVGrowBlocks <= 0 {
			cfg.KVGrowBlocks = max(kv.Blocks/DefaultKVGrowDivisor, 1)
		}
	}
	e.cfg = cfg
	e.sched = &scheduler{cfg: cfg, pool: newBlockPool(kv.Blocks, kv.BlockSize, active)}
	e.metrics.init()
	return e, nil
}

// Config returns the engine's configuration with defaults applied.
func (e *Engine) Config() Config { return e.cfg }

// Submit queues a request. Its events arrive on the returned stream; when
// ctx is done the request is cancelled and its blocks freed at once.
func (e *Engine) Submit(ctx context.Context, r *Request) (*Stream, error) {
	if len(r.Prompt) == 0 {
		return nil, fmt.Errorf("engine: empty prompt")
	}
	if len(r.Prompt) >= e.cfg.MaxContext {
		return nil, fmt.Errorf("%w: prompt of %d tokens, context of %d", ErrTooLong, len(r.Prompt), e.cfg.MaxContext)
	}
	if r.MaxTokens < 0 || len(r.Prompt)+r.MaxTokens > e.cfg.MaxContext {
		return nil, fmt.Errorf("%w: %d prompt tokens + %d to generate exceed the context of %d", ErrTooLong, len(r.Prompt), r.MaxTokens, e.cfg.MaxContext)
	}
	if need := (len(r.Prompt) + max(r.MaxTokens, 1) + e.cfg.BlockSize - 1) / e.cfg.BlockSize; need > e.kv.Blocks {
		return nil, fmt.Errorf("%w: needs %d KV blocks, the cache has %d", ErrTooLong, need, e.kv.Blocks)
	}
	smp, err := sample.New(r.Sampling)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	smp.AcceptPrompt(r.Prompt...)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	if len(e.sched.waiting) >= e.cfg.MaxQueue {
		return nil, ErrQueueFull
	}
	e.nextID++
	q := &seq{
		id: e.nextID, req: r, ctx: ctx, stream: newStream(), sampler: smp,
		tokens: append(make([]int32, 0, len(r.Prompt)+r.MaxTokens), r.Prompt...), prompt: len(r.Prompt),
		arrived: e.cfg.Now(),
	}
	e.sched.waiting = append(e.sched.waiting, q)
	e.metrics.requests.Add(1)
	e.signal()
	return q.stream, nil
}

func (e *Engine) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Close stops accepting requests; Run finishes the running ones and returns.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.signal()
}

// Run computes steps until ctx is done, or until Close is called and no
// request remains. Requests still pending when ctx ends are failed.
func (e *Engine) Run(ctx context.Context) error {
	for {
		e.mu.Lock()
		e.reapCancelled()
		st := e.sched.schedule()
		idle := len(st.Seqs) == 0
		done := e.closed && len(e.sched.running) == 0 && len(e.sched.waiting) == 0
		e.mu.Unlock()
		if done {
			return nil
		}
		if idle {
			select {
			case <-ctx.Done():
				e.failAll(ctx.Err())
				return ctx.Err()
			case <-e.wake:
			case <-time.After(50 * time.Millisecond): // look for cancelled requests
			}
			continue
		}
		if err := e.step(ctx, &st); err != nil {
			if ctx.Err() != nil {
				e.failAll(ctx.Err())
				return ctx.Err()
			}
			e.cfg.Log.Error("engine step failed", "err", err, "step", fmt.Sprintf("%+v", st))
			e.failStep(&st, err)
		}
	}
}

// reapCancelled drops requests whose context is done, freeing their blocks.
func (e *Engine) reapCancelled() {
	for _, list := range [][]*seq{e.sched.running, e.sched.waiting} {
		for _, q := range append([]*seq(nil), list...) {
			if err := q.ctx.Err(); err != nil {
				e.sched.remove(q)
				q.stream.push(Event{Token: -1, Err: err}, true)
				e.metrics.cancelled.Add(1)
			}
		}
	}
}

func (e *Engine) failAll(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, q := range append(append([]*seq(nil), e.sched.running...), e.sched.waiting...) {
		e.sched.remove(q)
		q.stream.push(Event{Token: -1, Err: err}, true)
	}
}

func (e *Engine) failStep(st *Step, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ss := range st.Seqs {
		if q := e.find(ss.ID); q != nil {
			e.sched.remove(q)
			q.stream.push(Event{Token: -1, Err: err}, true)
		}
	}
}

func (e *Engine) find(id uint64) *seq {
	for _, q := range e.sched.running {
		if q.id == id {
			return q
		}
	}
	return nil
}
