package sample

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// randHist is a history over ids in [-2, n+3): negative ids and ids past the vocabulary
// must be ignored, and repeats exercise the counts.
func randHist(r *rand.Rand, n, length int) []histTok {
	h := make([]histTok, length)
	for i := range h {
		id := int32(r.IntN(min(n, 12)+5)) - 2
		if r.IntN(4) == 0 {
			id = int32(n + r.IntN(3))
		}
		h[i] = histTok{id: id, gen: i >= length/3}
	}
	return h
}

func TestPenalties(t *testing.T) {
	params := []Params{
		{RepeatPenalty: 1.3},
		{RepeatPenalty: 1.3, RepeatLastN: 5},
		{RepeatPenalty: 0.7, RepeatLastN: 1},
		{RepeatPenalty: 2, RepeatLastN: -1},
		{PresencePenalty: 0.6},
		{FrequencyPenalty: 0.25},
		{PresencePenalty: -0.5, FrequencyPenalty: 1.5},
		{RepeatPenalty: 1.1, RepeatLastN: 7, PresencePenalty: 0.4, FrequencyPenalty: 0.3},
		{RepeatPenalty: 1, PresencePenalty: 0, FrequencyPenalty: 0},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for pi, p := range params {
		for _, n := range []int{1, 5, 17, 64} {
			for _, length := range []int{0, 1, 9, 40, 150} {
				logits := randLogits(r, n, 2)
				logits[0] = 0 // the <= 0 branch of the repeat penalty
				hist := randHist(r, n, length)
				s := mustNew(t, p)
				accept(s, hist)
				before := slices.Clone(logits)
				got := s.penalize(logits)
				want := refPenalize(p, logits, hist)
				if !sameBits(got, want) {
					t.Errorf("params %d n=%d len=%d:\n got %v\nwant %v", pi, n, length, got, want)
				}
				if !sameBits(before, logits) {
					t.Fatalf("penalize modified the caller's logits")
				}
				// Exactly the affected logits change.
				for i := range logits {
					if got[i] != logits[i] && !touched(p, hist, int32(i)) {
						t.Errorf("params %d: token %d changed but is not in the history", pi, i)
					}
				}
			}
		}
	}
}

func touched(p Params, hist []histTok, id int32) bool {
	for _, h := range hist {
		if h.id == id {
			return true
		}
	}
	return false
}

// TestPenaltyHistoryBounded: the history of a long generation over a small alphabet
// stays bounded by the distinct tokens, and evicted prompt tokens are dropped.
func TestPenaltyHistoryBounded(t *testing.T) {
	s := mustNew(t, Params{RepeatPenalty: 1.2, RepeatLastN: 4})
	for i := range 1000 {
		s.AcceptPrompt(int32(i))
	}
	if len(s.entries) != 4 || len(s.index) != 4 {
		t.Errorf("after 1000 distinct prompt tokens: %d entries, %d indexed; want 4", len(s.entries), len(s.index))
	}
	off := mustNew(t, Params{Temperature: 1})
	off.Accept(3)
	off.AcceptPrompt(1, 2)
	if off.entries != nil || off.index != nil {
		t.Errorf("a sampler without penalties keeps history")
	}
}

func TestAcceptIgnoresNegative(t *testing.T) {
	s := mustNew(t, Params{RepeatPenalty: 2, FrequencyPenalty: 1})
	s.Accept(-1)
	s.AcceptPrompt(-5, -2)
	if len(s.entries) != 0 {
		t.Errorf("negative ids recorded: %v", s.entries)
	}
}
