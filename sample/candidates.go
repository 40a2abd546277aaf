package sample

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Sampling from the best logits alone. A GPU can select a row's k best logits where it
// computed them and copy k values and ids to the host instead of the whole vocabulary.
// The chain allows it whenever nothing before top-k looks at every token: top-k keeps
// the k best, top-p and min-p then judge those survivors alone (their probabilities are
// renormalized over them), and the temperature only shapes the draw among what is left.
//
// Penalties come before top-k and change the logits of the tokens in the history, E. When
// every change lowers a logit (a repeat penalty of at least 1, presence and frequency
// penalties that subtract a non-negative amount), the k best penalized logits lie among
// the k+|E| best raw ones, S: S holds at least k tokens outside E, whose logits do not
// change, and a token outside S ranks after each of them before the penalties and no
// better after. So SampleTop penalizes S, ranks it again and keeps its k best: the list
// top-k would have made from the whole penalized row. A penalty that can raise a logit
// (a repeat penalty below 1, a negative presence or frequency penalty) needs the row.

// ErrNeedAll is returned by SampleTop when the sampler's parameters need every logit
// (Candidates is 0).
var ErrNeedAll = errors.New("sample: these parameters need every logit")

// Candidates is how many of the best logits of a row of n the next call needs: given at
// least that many, best first, SampleTop returns the token Sample would return for the
// whole row. It is 1 for greedy decoding and TopK when sampling under a top-k below n,
// plus, under penalties that only lower logits, the number of tokens they touch (at most
// n in all). It is 0 when the token depends on every logit: a penalty may raise a logit,
// no top-k below n bounds the candidates, or TopK is above 4096 (Sample then selects by
// quickselect, which leaves the survivors in another order). It changes only with Reset,
// Accept and AcceptPrompt.
func (s *Sampler) Candidates(n int) int {
	k, pen := s.candidates(n)
	if k == 0 {
		return 0
	}
	return min(k+pen, n)
}

// candidates is Candidates in two parts: the candidates the chain keeps after top-k (0:
// it needs every logit) and the tokens of the row that penalties touch.
func (s *Sampler) candidates(n int) (k, pen int) {
	if n <= 0 || n > math.MaxInt32 {
		return 0, 0
	}
	p := s.p
	switch {
	case p.Temperature == 0:
		k = 1
	case p.TopK > 0 && p.TopK < n && p.TopK <= heapMaxK:
		k = p.TopK
	default:
		return 0, 0
	}
	for _, e := range s.entries {
		if int(e.id) >= n { // penalize skips it
			continue
		}
		if !p.lowers(e) {
			return 0, 0
		}
		pen++
	}
	return k, pen
}

// lowers reports whether the penalties of a token with history e can only lower its
// logit (or leave it), for every logit: penalized is then monotone below the identity.
func (p Params) lowers(e entry) bool {
	if e.window > 0 && p.repeatOn() && p.RepeatPenalty < 1 {
		return false
	}
	// the amount penalized subtracts, rounded as it rounds it
	return e.gen == 0 || float32(float32(e.gen)*p.FrequencyPenalty)+p.PresencePenalty >= 0
}

// SampleTop returns the next token of a row of n logits from its best ones: vals holds
// the largest logits, best first (equal values: the lower token id first), ids their token
// ids. NaN counts as -Inf, and -Inf candidates may come in any order. At least
// Candidates(n) of them are needed and only that many are read. The token, the random
// number drawn and the errors are those of Sample on the whole row, so the two may be used
// in turn on one sequence. It returns ErrNeedAll when Candidates(n) is 0, and an error
// when the candidates are too few, out of order, or not tokens of the row.
func (s *Sampler) SampleTop(vals []float32, ids []int32, n int) (int32, error) {
	k, pen := s.candidates(n)
	m := min(k+pen, n)
	switch {
	case k == 0:
		return -1, ErrNeedAll
	case len(vals) < m || len(ids) < m:
		return -1, fmt.Errorf("sample: %d candidate logits and %d ids of a row of %d, %d needed", len(vals), len(ids), n, m)
	}
	vals, ids = vals[:m], ids[:m]
	for i, id := range ids {
		if id < 0 || int(id) >= n {
			return -1, fmt.Errorf("sample: candidate token %d outside a row of %d", id, n)
		}
		if i > 0 && outOfOrder(vals[i], id, vals[i-1], ids[i-1]) {
			return -1, fmt.Errorf("sample: candidate %d (token %d, %v) after candidate %d (token %d, %v): not best first", i, id, vals[i], i-1, ids[i-1], vals[i-1])
		}
	}
	s.cand = grow(s.cand, m)
	for i, v := range vals {
		if pen > 0 {
			if e, ok := s.index[ids[i]]; ok {
				v = s.p.penalized(v, s.entries[e])
			}
		}
		if v != v {
			v = float32(math.Inf(-1))
		}
		s.cand[i] = cand{v: v, id: ids[i]}
	}
	if pen > 0 { // rank the penalized logits again; the k best are top-k's list
		slices.SortFunc(s.cand, func(a, b cand) int {
			if worse(a, b) {
				return 1
			}
			return -1 // ids differ: never equal
		})
	}
	s.cand = s.cand[:k]
	if s.p.Temperature == 0 {
		// argmax: the best number; -Inf (and NaN) never wins
		if math.IsInf(float64(s.cand[0].v), -1) {
			return -1, ErrNoCandidates
		}
		return s.cand[0].id, nil
	}
	// As filter after topK: the -Inf (and NaN) tail goes, then top-p and min-p.
	var err error
	if s.cand, err = trim(s.cand); err != nil {
		return -1, err
	}
	s.narrow(s.p.TopP > 0 && s.p.TopP < 1, s.p.MinP > 0)
	return s.drawCand(s.rng.float64()), nil
}

// outOfOrder reports whether (v, i) may not follow (w, j) in a best-first list: it is
// larger, or equal with a lower id. NaN counts as -Inf, and the order within the -Inf tail
// is free: those candidates are never drawn.
func outOfOrder(v float32, i int32, w float32, j int32) bool {
	if v != v || math.IsInf(float64(v), -1) {
		return false
	}
	return w != w || v > w || (v == w && i < j)
}
