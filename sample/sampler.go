// Package sample turns a sequence's logits into its next token: greedy decoding or
// temperature sampling with top-k, top-p and min-p filters, llama.cpp's repeat penalty and
// OpenAI's presence and frequency penalties, all reproducible from a seed. It also computes
// the log-probabilities the OpenAI API reports ([Logprobs]).
//
// The stages run in llama.cpp's default order: common/common.h lists penalties, DRY,
// top-n-sigma, top-k, typical-p, top-p, min-p, XTC, temperature, and common/sampling.cpp
// appends the dist sampler. Without the stages Tern lacks (DRY, top-n-sigma, typical-p,
// XTC) that is
//
//	penalties → top-k → top-p → min-p → temperature → draw
//
// so top-p and min-p judge probabilities at temperature 1, and temperature only shapes the
// final draw among the survivors. Greedy (temperature 0) is the argmax of the penalized
// logits; the filters cannot change it because each keeps the most likely token.
//
// Cost on a vocabulary of V tokens, with no sort of the vocabulary anywhere: top-k up to
// 4096 is a bounded heap (one comparison per token that does not beat the k-th best),
// and a larger one a quickselect; top-p without top-k histograms the probability mass by
// logit (llama.cpp buckets logits too, then sorts a 256-token cap and falls back to a
// full sort), takes every bucket above the nucleus' edge and selects only within the edge
// bucket; min-p is one pass. Top-p without top-k, and the draw when no filter is set, take
// one exponential per token (skipping those more than 45 nats below the best); the draw
// then scans block sums, not every weight. Penalties cost one copy of the logits when
// they touch any token (Sample never writes the caller's slice).
//
// A caller that can select a row's best logits where they are computed (a GPU) asks
// Candidates how many the next token needs (1 when greedy, TopK under a top-k, plus the
// tokens that penalties lower; none when a penalty may raise a logit or no top-k bounds
// the candidates) and passes that many, best first, to SampleTop, which returns the token
// and draws the random number Sample would.
//
// Reproducibility: the generator (xoshiro256**) and the exponential are written in this
// package, so a seed gives the same stream and the same weights everywhere. The one
// library call left is math.Log for min-p's threshold, whose last bit may differ between
// architectures; that can change a token only when a logit lies within about 1e-16 of
// the threshold.
//
// The package knows nothing of models or tokenizers; it imports only the standard library.
package sample

import (
	"errors"
	"fmt"
	"math"
)

var (
	// ErrNoLogits is returned for an empty logits slice.
	ErrNoLogits = errors.New("sample: empty logits")
	// ErrNoCandidates is returned when every logit is -Inf or NaN, so no token is possible.
	ErrNoCandidates = errors.New("sample: every logit is -Inf or NaN")
)

// Non-finite logits are defined, never a panic: NaN counts as -Inf (the token is never
// chosen), and when some logits are +Inf those tokens share all the probability equally
// (the limit of raising one logit without bound).

// A Sampler samples the tokens of one sequence. It holds the random state and the token
// history the penalties need.
//
// A Sampler is not safe for concurrent use: it is owned by the goroutine that runs its
// sequence. Several sequences use several Samplers.
type Sampler struct {
	p   Params
	rng rng

	// History for the penalties: one entry per distinct token still in the repeat window
	// or ever generated; index maps a token id to its entry.
	entries []entry
	index   map[int32]int32
	ring    []int32 // last window() tokens in the repeat window, oldest at ringHead
	ringLen int
	head    int

	// Scratch reused across calls, so that Sample does not allocate once warm.
	work    []float32 // penalized copy of the logits
	cand    []cand    // surviving candidates
	edge    []cand    // top-p: the tokens of the bucket where the nucleus ends
	w       []float64 // weights of cand, edge, or every token
	blk     []float64 // sums of w by drawBlock
	buckets [nucleusBuckets]float64
}

type entry struct {
	id     int32
	window int32 // occurrences in the repeat window
	gen    int32 // occurrences among generated tokens
}

// cand is a candidate token and its (penalized) logit. NaN never appears in one.
type cand struct {
	v  float32
	id int32
}

// New validates p and returns a sampler seeded with p.Seed.
func New(p Params) (*Sampler, error) {
	s := new(Sampler)
	if err := s.Reset(p); err != nil {
		return nil, err
	}
	return s, nil
}

// Reset makes s a fresh sampler for p, as New(p) would, but keeps its scratch buffers, so
// that an engine can reuse samplers across requests without regrowing them to the
// vocabulary. On error s is unchanged.
func (s *Sampler) Reset(p Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s.p, s.rng = p, newRNG(p.Seed)
	s.entries, s.index, s.ring = s.entries[:0], nil, nil
	s.ringLen, s.head = 0, 0
	if p.repeatOn() || p.generatedOn() {
		s.index = make(map[int32]int32)
	}
	if p.repeatOn() && p.window() > 0 {
		s.ring = make([]int32, p.window())
	}
	return nil
}

// Params returns the parameters the sampler was made with.
func (s *Sampler) Params() Params { return s.p }

// Accept records a generated token: it counts for the repeat penalty (while in the window)
// and for the presence and frequency penalties. Sample does not call it; the caller passes
// every token it appends to the sequence. Negative ids are not tokens and are ignored.
func (s *Sampler) Accept(id int32) { s.record(id, true) }

// AcceptPrompt records prompt tokens: they count for the repeat penalty only, as in
// llama.cpp (whose CLI feeds the prompt to the penalties) and OpenAI (whose presence and
// frequency penalties look at generated text only). Negative ids are ignored.
func (s *Sampler) AcceptPrompt(ids ...int32) {
	for _, id := range ids {
		s.record(id, false)
	}
}

func (s *Sampler) record(id int32, generated bool) {
	if s.index == nil || id < 0 {
		return
	}
	inWindow := s.p.repeatOn()
	if !inWindow && !generated {
		return
	}
	e := s.entry(id)
	if generated {
		s.entries[e].gen++
	}
	if !inWindow {
		return
	}
	s.entries[e].window++
	if s.ring == nil { // unbounded window
		return
	}
	if s.ringLen == len(s.ring) {
		old := s.ring[s.head]
		s.ring[s.head] = id
		s.head = (s.head + 1) % len(s.ring)
		oe := s.index[old]
		s.entries[oe].window--
		if s.entries[oe].window == 0 && s.entries[oe].gen == 0 {
			s.remove(old, oe)
		}
		return
	}
	s.ring[(s.head+s.ringLen)%len(s.ring)] = id
	s.ringLen++
}

// entry returns the index of id's entry, adding one when needed.
func (s *Sampler) entry(id int32) int32 {
	if e, ok := s.index[id]; ok {
		return e
	}
	e := int32(len(s.entries))
	s.entries = append(s.entries, entry{id: id})
	s.index[id] = e
	return e
}

// remove drops entry e (of token id) by moving the last entry into its place.
func (s *Sampler) remove(id int32, e int32) {
	last := int32(len(s.entries) - 1)
	if e != last {
		s.entries[e] = s.entries[last]
		s.index[s.entries[e].id] = e
	}
	s.entries = s.entries[:last]
	delete(s.index, id)
}

// penalize returns logits with the penalties applied: logits itself when no penalty
// touches a token of this vocabulary, else a copy in s.work. Ids past the end of logits
// are skipped.
func (s *Sampler) penalize(logits []float32) []float32 {
	n := len(logits)
	copied := false
	for _, e := range s.entries {
		if int(e.id) >= n {
			continue
		}
		if !copied {
			s.work = grow(s.work, n)
			copy(s.work, logits)
			copied = true
		}
		s.work[e.id] = s.p.penalized(logits[e.id], e)
	}
	if copied {
		return s.work
	}
	return logits
}

// penalized applies the penalties for a token with history e to logit v: the repeat
// penalty first, then frequency and presence (llama.cpp's order).
func (p Params) penalized(v float32, e entry) float32 {
	if e.window > 0 && p.repeatOn() {
		if v <= 0 {
			v *= p.RepeatPenalty
		} else {
			v /= p.RepeatPenalty
		}
	}
	if e.gen > 0 {
		// The explicit conversion forbids fusing into an FMA (Go spec, "Arithmetic
		// operators"), which some platforms would do and others not.
		v -= float32(float32(e.gen)*p.FrequencyPenalty) + p.PresencePenalty
	}
	return v
}

// Sample returns the next token for logits, one per vocabulary entry. It does not modify
// logits and, once its scratch buffers have grown to the vocabulary, does not allocate.
// It returns ErrNoLogits for an empty slice and ErrNoCandidates when every logit is -Inf
// or NaN. Each successful call at a temperature above 0 draws exactly one random number,
// so a seed's sequence does not depend on how many candidates each step kept.
func (s *Sampler) Sample(logits []float32) (int32, error) {
	n := len(logits)
	if n == 0 {
		return -1, ErrNoLogits
	}
	if n > math.MaxInt32 {
		return -1, fmt.Errorf("sample: %d logits, more than token ids can address", n)
	}
	src := s.penalize(logits)
	if s.p.Temperature == 0 {
		return argmax(src)
	}
	all, m, err := s.filter(src)
	if err != nil {
		return -1, err
	}
	u := s.rng.float64()
	if all {
		return s.drawAll(src, m, u), nil
	}
	return s.drawCand(u), nil
}

// argmax is greedy decoding: the highest logit, the lowest id among equals; NaN never wins.
func argmax(x []float32) (int32, error) {
	best, bi := float32(math.Inf(-1)), -1
	for i, v := range x {
		if v > best {
			best, bi = v, i
		}
	}
	if bi < 0 {
		return -1, ErrNoCandidates
	}
	return int32(bi), nil
}

// grow returns buf resized to n, reallocating only when its capacity is short.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}
