package engine

import (
	"context"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/model"
)

// TopKModel is a Model that returns each wanted row's k best logits and
// their token ids instead of all the logits (*model.Model: selected on its
// output device when that device has backend.TopKer, which saves copying
// the whole vocabulary per sequence off a GPU). The engine uses it for a
// step in which every sampling sequence can take its token from that many
// candidates (sample.Sampler.Candidates) and none asks for logprobs; the
// tokens are those the logits would give.
type TopKModel interface {
	Model
	// MaxTopK is the largest k ForwardTopK serves; 0: none.
	MaxTopK() int
	// Vocab is the number of logits of a row.
	Vocab() int
	// ForwardTopK is Forward returning len(want)×k best logits, best first
	// (equal ones: the lower id first), and their ids, in storage reused
	// from vals and ids. It fails with an error wrapping backend.ErrSkip,
	// having run nothing, when it cannot serve k.
	ForwardTopK(ctx context.Context, kv *model.Cache, tokens []int32, b *backend.Batch, want []int, k int, vals []float32, ids []int32) ([]float32, []int32, error)
}

var _ TopKModel = (*model.Model)(nil)

// candidates is the k of a step served by ForwardTopK: the most candidates
// any of its sampling sequences needs, or 0 when the step needs the full
// logits (the model lacks TopKModel or serves too few, or some sequence's
// sampler or logprobs need every logit). The caller holds e.mu.
func (e *Engine) candidates(st *Step) int {
	tm, ok := e.m.(TopKModel)
	if !ok {
		return 0
	}
	most := tm.MaxTopK()
	if most <= 0 {
		return 0
	}
	vocab := tm.Vocab()
	k := 0
	for _, ss := range st.Seqs {
		if !ss.Sample {
			continue
		}
		q := e.find(ss.ID)
		if q == nil {
			continue // cancelled: its row is computed and dropped
		}
		if q.req.Logprobs || q.req.TopLogprobs > 0 {
			return 0
		}
		c := q.sampler.Candidates(vocab)
		if c == 0 || c > most {
			return 0
		}
		k = max(k, c)
	}
	return k
}
