package engine

import (
	"context"
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
	logits, err := e.m.Forward(ctx, e.kv, tokens, b, want, e.logits)
	if err != nil {
		return err
	}
	e.logits = logits
	vocab := 0
	if len(want) > 0 {
		vocab = len(logits) / len(want)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.cfg.Now()
	row := 0
	for _, ss := range st.Seqs {
		q := e.find(ss.ID)
		if q == nil {
			continue
		}
		e.sched.computed(q, len(ss.Tokens))
		if !ss.Sample {
			continue
		}
		l := logits[row*vocab : (row+1)*vocab]
		row++
		if err := e.emit(q, l, now); err != nil {
			e.sched.remove(q)
			q.stream.push(Event{Token: -1, Err: err}, true)
		}
	}
	e.metrics.steps.Add(1)
	e.metrics.stepTokens.Add(uint64(n))
	return nil
}

// emit samples q's next token from its logits and delivers it, ending the
// request when it is an end-of-generation token or the limit is reached.
func (e *Engine) emit(q *seq, logits []float32, now time.Time) error {
	id, err := q.sampler.Sample(logits)
	if err != nil {
		return fmt.Errorf("engine: sample: %w", err)
	}
	ev := Event{Token: id}
	if q.req.Logprobs || q.req.TopLogprobs > 0 {
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
