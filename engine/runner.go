package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/sample"
)

// step computes st on the model, then samples and delivers a token to
// every sequence whose known tokens it finished.
func (e *Engine) step(ctx context.Context, st *Step) error {
	n := st.Tokens()
	b := &backend.Batch{
		Pos: make([]int32, 0, n), Seq: make([]int32, 0, n), Slots: make([]int32, 0, n),
		Tables: make([][]int32, len(st.Seqs)), BlockSize: e.cfg.BlockSize,
	}
	tokens := make([]int32, 0, n)
	var want []int
	for s, ss := range st.Seqs {
		b.Tables[s] = ss.Table
		for i, t := range ss.Tokens {
			p := ss.Start + i
			tokens = append(tokens, t)
			b.Pos = append(b.Pos, int32(p))
			b.Seq = append(b.Seq, int32(s))
			b.Slots = append(b.Slots, int32(b.Row(s, p)))
		}
		if ss.Sample {
			want = append(want, len(tokens)-1)
		}
	}
	out, err := e.forward(ctx, st, tokens, b, want)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.cfg.Now()
	row := 0
	for _, ss := range st.Seqs {
		q := e.find(ss.ID)
		if q == nil {
			if ss.Sample {
				row++ // cancelled meanwhile: its row goes unused
			}
			continue
		}
		e.sched.computed(q, len(ss.Tokens))
		if !ss.Sample {
			continue
		}
		id, logits, err := out.sample(q.sampler, row)
		row++
		if err == nil {
			err = e.emit(q, id, logits, now)
		}
		if err != nil {
			e.sched.remove(q)
			q.stream.push(Event{Token: -1, Err: err}, true)
		}
	}
	e.metrics.steps.Add(1)
	e.metrics.stepTokens.Add(uint64(n))
	return nil
}

// stepOut is what a step computed for its sampling rows: their logits,
// or their k best candidates (k > 0).
type stepOut struct {
	logits   []float32 // rows×vocab
	vals     []float32 // rows×k, best first
	ids      []int32   // rows×k
	k, vocab int
}

// forward runs the step's tokens through the model, asking for the
// sampling rows' candidates where they suffice (candidates), and for
// their logits otherwise.
func (e *Engine) forward(ctx context.Context, st *Step, tokens []int32, b *backend.Batch, want []int) (stepOut, error) {
	e.mu.Lock()
	k := e.candidates(st)
	e.mu.Unlock()
	if k > 0 {
		tm := e.m.(TopKModel)
		vals, ids, err := tm.ForwardTopK(ctx, e.kv, tokens, b, want, k, e.topVals, e.topIDs)
		if err == nil {
			e.topVals, e.topIDs = vals, ids
			return stepOut{vals: vals, ids: ids, k: k, vocab: tm.Vocab()}, nil
		}
		if !errors.Is(err, backend.ErrSkip) { // declined: it ran nothing
			return stepOut{}, err
		}
	}
	logits, err := e.m.Forward(ctx, e.kv, tokens, b, want, e.logits)
	if err != nil {
		return stepOut{}, err
	}
	e.logits = logits
	out := stepOut{logits: logits}
	if len(want) > 0 {
		out.vocab = len(logits) / len(want)
	}
	return out, nil
}

// sample draws the token of sampling row r with s, and returns the row's
// logits too when the step has them (nil for candidates).
func (o *stepOut) sample(s *sample.Sampler, r int) (int32, []float32, error) {
	var id int32
	var err error
	var logits []float32
	if o.k > 0 {
		id, err = s.SampleTop(o.vals[r*o.k:(r+1)*o.k], o.ids[r*o.k:(r+1)*o.k], o.vocab)
	} else {
		logits = o.logits[r*o.vocab : (r+1)*o.vocab]
		id, err = s.Sample(logits)
	}
	if err != nil {
		return -1, nil, fmt.Errorf("engine: sample: %w", err)
	}
	return id, logits, nil
}

// emit delivers q's next token, sampled from logits (nil when it was
// sampled from candidates, which a request for logprobs never is), ending
// the request when it is an end-of-generation token or the limit is
// reached.
func (e *Engine) emit(q *seq, id int32, logits []float32, now time.Time) error {
	ev := Event{Token: id}
	if q.req.Logprobs || q.req.TopLogprobs > 0 {
		var err error
		if ev.Logprob, ev.Top, err = sample.Logprobs(logits, id, q.req.TopLogprobs); err != nil {
			return fmt.Errorf("engine: logprobs: %w", err)
		}
	}
	q.sampler.Accept(id)
	q.tokens = append(q.tokens, id)
	if q.firstToken.IsZero() {
		q.firstToken = now
		e.metrics.ttft.observe(now.Sub(q.arrived).Seconds())
		e.metrics.promptTokens.Add(uint64(q.prompt))
	} else {
		e.metrics.tpot.observe(now.Sub(q.lastToken).Seconds())
	}
	q.lastToken = now
	e.metrics.genTokens.Add(1)
	switch {
	case e.cfg.IsEOG(id):
		ev.Finish = FinishStop
	case q.req.MaxTokens > 0 && q.generated() >= q.req.MaxTokens, len(q.tokens) >= e.cfg.MaxContext:
		ev.Finish = FinishLength
	}
	last := ev.Finish != ""
	if last {
		ev.PromptTokens, ev.CompletionTokens = q.prompt, q.generated()
		ev.CachedTokens = q.cachedTokens
		e.sched.remove(q)
		e.metrics.finished.Add(1)
	}
	q.stream.push(ev, last)
	return nil
}
