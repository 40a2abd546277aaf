package sample

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestCandidates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      Params
		n      int
		prompt []int32 // AcceptPrompt
		gen    []int32 // Accept
		want   int
	}{
		{"greedy", Params{}, 100, nil, nil, 1},
		{"greedy, top-k set", Params{TopK: 40, TopP: 0.9}, 100, nil, nil, 1},
		{"top-k", Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05}, 100, nil, nil, 40},
		{"top-k 1", Params{Temperature: 1, TopK: 1}, 100, nil, nil, 1},
		{"top-k n-1", Params{Temperature: 1, TopK: 99}, 100, nil, nil, 99},
		{"top-k n", Params{Temperature: 1, TopK: 100}, 100, nil, nil, 0},
		{"no top-k", Params{Temperature: 1, TopP: 0.5, MinP: 0.1}, 100, nil, nil, 0},
		{"top-k 4096", Params{Temperature: 1, TopK: 4096}, 10000, nil, nil, 4096},
		{"top-k 4097", Params{Temperature: 1, TopK: 4097}, 10000, nil, nil, 0},
		{"empty row", Params{}, 0, nil, nil, 0},
		{"repeat penalty, no history", Params{Temperature: 1, TopK: 5, RepeatPenalty: 1.1}, 100, nil, nil, 5},
		{"repeat penalty, prompt", Params{Temperature: 1, TopK: 5, RepeatPenalty: 1.1}, 100, []int32{7, 9, 7}, nil, 7},
		{"greedy, repeat penalty", Params{RepeatPenalty: 1.1}, 100, []int32{7}, nil, 2},
		{"repeat penalty below 1", Params{Temperature: 1, TopK: 5, RepeatPenalty: 0.9}, 100, []int32{7}, nil, 0},
		{"repeat penalty 1", Params{Temperature: 1, TopK: 5, RepeatPenalty: 1}, 100, []int32{7}, []int32{8}, 5},
		{"repeat penalty, no top-k", Params{Temperature: 1, RepeatPenalty: 1.1}, 100, []int32{7}, nil, 0},
		{"penalties, capped by the row", Params{Temperature: 1, TopK: 98, RepeatPenalty: 1.1}, 100, []int32{1, 2, 3}, nil, 100},
		{"presence, prompt only", Params{Temperature: 1, TopK: 5, PresencePenalty: 0.5}, 100, []int32{7}, nil, 5},
		{"presence, generated", Params{Temperature: 1, TopK: 5, PresencePenalty: 0.5}, 100, []int32{7}, []int32{8}, 6},
		{"negative presence", Params{Temperature: 1, TopK: 5, PresencePenalty: -0.5}, 100, nil, []int32{8}, 0},
		{"frequency below presence", Params{Temperature: 1, TopK: 5, FrequencyPenalty: 0.5, PresencePenalty: -1}, 100, nil, []int32{8}, 0},
		{"frequency reaching presence", Params{Temperature: 1, TopK: 5, FrequencyPenalty: 0.5, PresencePenalty: -1}, 100, nil, []int32{8, 8}, 6},
		{"frequency, generated past the row", Params{Temperature: 1, TopK: 5, FrequencyPenalty: 0.5}, 100, nil, []int32{200}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			s.AcceptPrompt(tc.prompt...)
			for _, id := range tc.gen {
				s.Accept(id)
			}
			if got := s.Candidates(tc.n); got != tc.want {
				t.Errorf("Candidates(%d) = %d, want %d", tc.n, got, tc.want)
			}
		})
	}
}

// refCandidates is the plain reference of a device's selection: every token sorted by
// logit, larger first, the lower id first among equals, NaN after everything.
func refCandidates(x []float32, k int) ([]float32, []int32) {
	ids := make([]int32, len(x))
	for i := range ids {
		ids[i] = int32(i)
	}
	sort.SliceStable(ids, func(a, b int) bool {
		va, vb := x[ids[a]], x[ids[b]]
		if va != va {
			return false
		}
		return vb != vb || va > vb
	})
	ids = ids[:k]
	vals := make([]float32, k)
	for i, id := range ids {
		vals[i] = x[id]
	}
	return vals, ids
}

// randomRow fills x with logits of one of several kinds: spread out, few distinct values
// (ties everywhere, at the top too), or with NaN and infinities among them.
func randomRow(r *rand.Rand, x []float32, kind int) {
	for i := range x {
		switch kind {
		case 0:
			x[i] = float32(r.NormFloat64() * 3)
		case 1:
			x[i] = float32(r.IntN(6)) * 0.75
		case 2:
			switch r.IntN(12) {
			case 0:
				x[i] = float32(math.NaN())
			case 1:
				x[i] = float32(math.Inf(-1))
			default:
				x[i] = float32(r.IntN(8)) - 4
			}
		case 3: // +Inf ties
			x[i] = float32(r.NormFloat64())
			if r.IntN(9) == 0 {
				x[i] = float32(math.Inf(1))
			}
		case 4: // almost nothing possible
			x[i] = float32(math.Inf(-1))
			if r.IntN(3) == 0 {
				x[i] = float32(math.NaN())
			}
			if r.IntN(len(x)) == 0 {
				x[i] = 1
			}
		}
	}
}

// TestSampleTopMatchesSample samples many steps of one sequence twice with the same seed:
// from the whole row (Sample) and from the reference's best candidates (SampleTop), with
// more candidates than needed, after a random prompt (for the penalties). Tokens and errors must be equal at every step, which also
// proves that both draw the same random numbers.
func TestSampleTopMatchesSample(t *testing.T) {
	params := []Params{
		{},
		{TopK: 40, TopP: 0.95, MinP: 0.05},
		{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05},
		{Temperature: 1, TopK: 1},
		{Temperature: 1.5, TopK: 7},
		{Temperature: 0.5, TopK: 20, TopP: 0.6},
		{Temperature: 2, TopK: 50, MinP: 0.2},
		{Temperature: 1, TopK: 3, TopP: 1, MinP: 1},
		{RepeatPenalty: 1.3},
		{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1},
		{Temperature: 1, TopK: 7, PresencePenalty: 0.5, FrequencyPenalty: 0.3},
		{Temperature: 1.2, TopK: 5, RepeatPenalty: 1.2, RepeatLastN: 8, FrequencyPenalty: 0.2, PresencePenalty: -0.1},
		{TopK: 3, RepeatPenalty: 2, RepeatLastN: -1, PresencePenalty: 1},
		// penalties that can raise a logit, and no top-k: the whole row
		{RepeatPenalty: 0.5},
		{Temperature: 1, TopK: 10, RepeatPenalty: 0.5},
		{Temperature: 1, TopK: 10, PresencePenalty: -2},
		{Temperature: 0.9, TopP: 0.9},
	}
	r := rand.New(rand.NewPCG(5, 6))
	for pi, p := range params {
		for _, n := range []int{2, 7, 100, 1007} {
			t.Run(fmt.Sprintf("%d/n%d", pi, n), func(t *testing.T) {
				p.Seed = r.Uint64()
				full, err := New(p)
				if err != nil {
					t.Fatal(err)
				}
				top, _ := New(p)
				prompt := make([]int32, 1+r.IntN(12))
				for i := range prompt {
					prompt[i] = int32(r.IntN(n))
				}
				full.AcceptPrompt(prompt...)
				top.AcceptPrompt(prompt...)
				x := make([]float32, n)
				for step := range 60 {
					randomRow(r, x, step%5)
					want, werr := full.Sample(x)
					var got int32
					var gerr error
					if k := top.Candidates(n); k > 0 {
						vals, ids := refCandidates(x, min(n, k+3))
						got, gerr = top.SampleTop(vals, ids, n)
					} else {
						// the whole row is needed: both take it
						vals, ids := refCandidates(x, n)
						if _, err := top.SampleTop(vals, ids, n); !errors.Is(err, ErrNeedAll) {
							t.Fatalf("step %d: SampleTop without candidates: %v, want ErrNeedAll", step, err)
						}
						got, gerr = top.Sample(x)
					}
					if got != want || !errors.Is(gerr, werr) || (werr == nil) != (gerr == nil) {
						t.Fatalf("step %d (kind %d): SampleTop %d, %v; Sample %d, %v", step, step%5, got, gerr, want, werr)
					}
					if werr == nil {
						full.Accept(want)
						top.Accept(got)
					}
				}
			})
		}
	}
}

func TestSampleTopErrors(t *testing.T) {
	x := []float32{3, 1, 2, 2, 0}
	vals, ids := refCandidates(x, 5)
	for _, tc := range []struct {
		name      string
		p         Params
		prompt    []int32
		vals      []float32
		ids       []int32
		wantErr   error // nil: any error
		wantToken int32
	}{
		{"greedy", Params{}, nil, vals[:1], ids[:1], nil, 0},
		{"top-k 3, seed 1", Params{Temperature: 1, TopK: 3, Seed: 1}, nil, vals, ids, nil, -2},
		{"needs all", Params{Temperature: 1}, nil, vals, ids, ErrNeedAll, -1},
		{"raising penalty", Params{RepeatPenalty: 0.8}, []int32{0}, vals, ids, ErrNeedAll, -1},
		{"greedy, penalty", Params{RepeatPenalty: 4}, []int32{0}, vals[:2], ids[:2], nil, 2}, // 3/4 < 2
		{"greedy, penalty, too few", Params{RepeatPenalty: 4}, []int32{0}, vals[:1], ids[:1], nil, -1},
		{"too few", Params{Temperature: 1, TopK: 3}, nil, vals[:2], ids[:2], nil, -1},
		{"ids short", Params{Temperature: 1, TopK: 3}, nil, vals, ids[:2], nil, -1},
		{"out of order", Params{Temperature: 1, TopK: 3}, nil, []float32{3, 2, 2}, []int32{0, 3, 2}, nil, -1},
		{"worse first", Params{Temperature: 1, TopK: 2}, nil, []float32{2, 3}, []int32{2, 0}, nil, -1},
		{"NaN first", Params{Temperature: 1, TopK: 2}, nil, []float32{float32(math.NaN()), 3}, []int32{2, 0}, nil, -1},
		{"outside the row", Params{}, nil, []float32{3}, []int32{5}, nil, -1},
		{"negative id", Params{}, nil, []float32{3}, []int32{-1}, nil, -1},
		{"greedy, nothing possible", Params{}, nil, []float32{float32(math.Inf(-1))}, []int32{0}, ErrNoCandidates, -1},
		{"top-k, nothing possible", Params{Temperature: 1, TopK: 2}, nil, []float32{float32(math.Inf(-1)), float32(math.NaN())}, []int32{3, 0}, ErrNoCandidates, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			s.AcceptPrompt(tc.prompt...)
			got, err := s.SampleTop(tc.vals, tc.ids, len(x))
			switch {
			case tc.wantToken >= 0:
				if err != nil || got != tc.wantToken {
					t.Errorf("got %d, %v; want %d", got, err, tc.wantToken)
				}
			case tc.wantToken == -2: // a token of the top 3, as Sample gives
				ref, _ := New(tc.p)
				want, werr := ref.Sample(x)
				if err != nil || werr != nil || got != want {
					t.Errorf("got %d, %v; Sample %d, %v", got, err, want, werr)
				}
			case err == nil:
				t.Errorf("got %d, want an error", got)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// TestCandidatesFollowHistory: under a penalty, each accepted token the
// penalty touches adds a candidate, so a caller asks Candidates at every
// step; candidates counted before an Accept fall short after it, and
// SampleTop says so rather than sample from too few (the GPU benchmark
// once asked only before the first token).
func TestCandidatesFollowHistory(t *testing.T) {
	s, err := New(Params{Temperature: 0.8, TopK: 40, RepeatPenalty: 1.1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	x := make([]float32, 1000)
	randomRow(r, x, 0)
	s.AcceptPrompt(1, 2, 3, 4)
	before := s.Candidates(len(x))
	if before != 44 {
		t.Fatalf("Candidates %d after 4 prompt tokens, want 44", before)
	}
	s.Accept(500)
	if got := s.Candidates(len(x)); got != before+1 {
		t.Errorf("Candidates %d after a new token, want %d", got, before+1)
	}
	s.Accept(500) // already in the history
	if got := s.Candidates(len(x)); got != before+1 {
		t.Errorf("Candidates %d after a repeated token, want %d", got, before+1)
	}
	vals, ids := refCandidates(x, before)
	if _, err := s.SampleTop(vals, ids, len(x)); err == nil {
		t.Errorf("SampleTop accepted %d candidates where %d are needed", before, before+1)
	}
}
