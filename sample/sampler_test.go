package sample

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var (
	inf  = float32(math.Inf(1))
	ninf = float32(math.Inf(-1))
	nan  = float32(math.NaN())
)

func mustNew(t testing.TB, p Params) *Sampler {
	t.Helper()
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGreedy(t *testing.T) {
	tests := []struct {
		name   string
		logits []float32
		want   int32
	}{
		{"single", []float32{-3}, 0},
		{"tie lowest index wins", []float32{1, 3, 3, 2}, 1},
		{"tie at end", []float32{0, 1, 2, 5, 5}, 3},
		{"all equal", []float32{7, 7, 7}, 0},
		{"negative", []float32{-5, -1, -2}, 1},
		{"NaN never wins", []float32{nan, 1, nan, 0}, 1},
		{"leading NaN then -Inf and finite", []float32{nan, ninf, -100}, 2},
		{"+Inf wins", []float32{1, inf, 2, inf}, 1},
		{"-Inf loses to finite", []float32{ninf, -1e30}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, Params{})
			got, err := s.Sample(tt.logits)
			if err != nil || got != tt.want {
				t.Errorf("Sample(%v) = %d, %v; want %d", tt.logits, got, err, tt.want)
			}
		})
	}
}

func TestNoCandidates(t *testing.T) {
	params := map[string]Params{
		"greedy":      {},
		"full":        {Temperature: 1},
		"top-k":       {Temperature: 1, TopK: 2},
		"top-p":       {Temperature: 1, TopP: 0.5},
		"min-p":       {Temperature: 1, MinP: 0.1},
		"penalized":   {Temperature: 1, RepeatPenalty: 1.3, PresencePenalty: 1},
		"top-k big k": {Temperature: 1, TopK: 100},
	}
	inputs := map[string][]float32{
		"all -Inf":   {ninf, ninf, ninf},
		"all NaN":    {nan, nan, nan},
		"NaN, -Inf":  {nan, ninf, nan, ninf, ninf},
		"single NaN": {nan},
	}
	for pn, p := range params {
		for in, logits := range inputs {
			t.Run(pn+"/"+in, func(t *testing.T) {
				s := mustNew(t, p)
				s.Accept(0)
				id, err := s.Sample(logits)
				if !errors.Is(err, ErrNoCandidates) || id != -1 {
					t.Errorf("Sample = %d, %v; want -1, ErrNoCandidates", id, err)
				}
			})
		}
		t.Run(pn+"/empty", func(t *testing.T) {
			s := mustNew(t, p)
			if id, err := s.Sample(nil); !errors.Is(err, ErrNoLogits) || id != -1 {
				t.Errorf("Sample(nil) = %d, %v; want -1, ErrNoLogits", id, err)
			}
		})
	}
}

// TestNonFinite: NaN is never chosen, and +Inf tokens share all the mass, in every mode.
func TestNonFinite(t *testing.T) {
	params := map[string]Params{
		"greedy":         {},
		"full":           {Temperature: 1},
		"hot":            {Temperature: 3},
		"top-k":          {Temperature: 1, TopK: 3},
		"top-p":          {Temperature: 1, TopP: 0.9},
		"min-p":          {Temperature: 1, MinP: 0.2},
		"all filters":    {Temperature: 0.7, TopK: 4, TopP: 0.95, MinP: 0.05},
		"with penalties": {Temperature: 1, RepeatPenalty: 1.5, FrequencyPenalty: 0.5},
	}
	inputs := []struct {
		name    string
		logits  []float32
		allowed []int32
		all     bool // every allowed id must show up
	}{
		{"NaN among finite", []float32{nan, 1, nan, 1.5, nan, 0.5}, []int32{1, 3, 5}, false},
		{"one +Inf", []float32{1, 2, inf, nan, 3}, []int32{2}, true},
		{"two +Inf", []float32{inf, 2, nan, inf, 3}, []int32{0, 3}, false},
		{"-Inf masked", []float32{ninf, 0, ninf, 0.1, ninf}, []int32{1, 3}, false},
	}
	for pn, p := range params {
		for _, in := range inputs {
			t.Run(pn+"/"+in.name, func(t *testing.T) {
				s := mustNew(t, p)
				before := slices.Clone(in.logits)
				seen := map[int32]bool{}
				for range 200 {
					id, err := s.Sample(in.logits)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Contains(in.allowed, id) {
						t.Fatalf("Sample = %d, want one of %v", id, in.allowed)
					}
					seen[id] = true
				}
				if in.all && len(seen) != len(in.allowed) {
					t.Errorf("saw %v, want all of %v", seen, in.allowed)
				}
				if !sameBits(before, in.logits) {
					t.Errorf("Sample modified the logits: %v, was %v", in.logits, before)
				}
			})
		}
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestDistributionMatchesReference compares the kept set and probabilities of every
// configuration against the sort-everything reference, on vocabularies past the top-p cap.
func TestDistributionMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	configs := []Params{
		{Temperature: 1},
		{Temperature: 0.6},
		{Temperature: 1, TopK: 1},
		{Temperature: 1, TopK: 5},
		{Temperature: 1.3, TopK: 40},
		{Temperature: 1, TopP: 0.5},
		{Temperature: 0.8, TopP: 0.95},
		{Temperature: 1, TopP: 0.999},
		{Temperature: 1, MinP: 0.05},
		{Temperature: 0.5, MinP: 0.3},
		{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05},
		{Temperature: 1, TopK: 400, TopP: 0.9},
		{Temperature: 1, TopP: 0.9, MinP: 0.02},
		{Temperature: 0.9, TopK: 30, MinP: 0.1, RepeatPenalty: 1.2, PresencePenalty: 0.5, FrequencyPenalty: 0.5},
		{Temperature: 1, TopP: 0.8, RepeatPenalty: 1.5, RepeatLastN: 3},
		{Temperature: 0, RepeatPenalty: 1.5},
		{Temperature: 1, TopK: heapMaxK + 1},
		{Temperature: 0.7, TopK: 5000, TopP: 0.97, MinP: 0.001},
	}
	for ci, p := range configs {
		for _, n := range []int{1, 3, 33, 257, 1000, 5003, 9001} {
			for _, scale := range []float32{0.3, 2, 6} {
				logits := randLogits(r, n, scale)
				hist := randHist(r, n, 30)
				s := mustNew(t, p)
				accept(s, hist)
				got, err := implDist(s, logits)
				if err != nil {
					t.Fatal(err)
				}
				want, err := refDist(p, logits, hist)
				if err != nil {
					t.Fatal(err)
				}
				if msg := diffDist(got, want, 1e-9); msg != "" {
					t.Errorf("config %d %+v n=%d scale=%v: %s", ci, p, n, scale, msg)
				}
			}
		}
	}
}

func diffDist(got, want map[int32]float64, tol float64) string {
	for id, q := range want {
		if math.Abs(got[id]-q) > tol {
			return fmt.Sprintf("token %d: p = %g, want %g (kept %d tokens, want %d)", id, got[id], q, len(got), len(want))
		}
	}
	for id, q := range got {
		if _, ok := want[id]; !ok && q > tol {
			return fmt.Sprintf("token %d kept with p = %g, reference drops it", id, q)
		}
	}
	return ""
}

// TestEmpiricalDistribution draws many tokens and checks the counts against the
// reference probabilities with a chi-square bound. The seed is fixed, so the test is
// deterministic; the bound is loose for a right sampler (chi-square's mean is its degrees
// of freedom) and far exceeded by a wrong temperature, filter or draw.
func TestEmpiricalDistribution(t *testing.T) {
	logits := []float32{1.0, 2.5, -0.5, 2.0, 0.3, 1.7, -2, 0.9}
	configs := []Params{
		{Temperature: 1},
		{Temperature: 0.5},
		{Temperature: 2},
		{Temperature: 1, TopK: 4},
		{Temperature: 0.7, TopP: 0.8},
		{Temperature: 1.2, MinP: 0.15},
		{Temperature: 1, RepeatPenalty: 1.5, FrequencyPenalty: 0.4},
	}
	const draws = 40000
	for ci, p := range configs {
		p.Seed = uint64(ci) + 100
		s := mustNew(t, p)
		hist := []histTok{{1, true}, {3, false}, {1, true}}
		accept(s, hist)
		want, err := refDist(p, logits, hist)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[int32]int{}
		for range draws {
			id, err := s.Sample(logits)
			if err != nil {
				t.Fatal(err)
			}
			counts[id]++
		}
		chi2, df := 0.0, -1
		for id, q := range want {
			e := q * draws
			d := float64(counts[id]) - e
			chi2 += d * d / e
			df++
		}
		for id := range counts {
			if _, ok := want[id]; !ok {
				t.Errorf("config %d: drew token %d, which has probability 0", ci, id)
			}
		}
		// Mean df, standard deviation sqrt(2 df); 6 deviations plus 10 are a very
		// unlikely excursion for a correct draw.
		if bound := float64(df) + 6*math.Sqrt(2*float64(df)) + 10; chi2 > bound {
			t.Errorf("config %d %+v: chi-square %.1f over %d degrees of freedom, bound %.1f\ncounts %v\nwant %v",
				ci, p, chi2, df, bound, counts, want)
		}
	}
}

func TestSeeds(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	logits := randLogits(r, 500, 1)
	run := func(p Params) []int32 {
		s := mustNew(t, p)
		var out []int32
		for range 64 {
			id, err := s.Sample(logits)
			if err != nil {
				t.Fatal(err)
			}
			s.Accept(id)
			out = append(out, id)
		}
		return out
	}
	for _, p := range []Params{
		{Temperature: 1},
		{Temperature: 0.9, TopK: 40, TopP: 0.95, MinP: 0.05},
		{Temperature: 1.1, TopP: 0.9, RepeatPenalty: 1.1, PresencePenalty: 0.3},
	} {
		p.Seed = 42
		a, b := run(p), run(p)
		if !slices.Equal(a, b) {
			t.Errorf("%+v: seed 42 gave two sequences:\n%v\n%v", p, a, b)
		}
		p.Seed = 43
		if c := run(p); slices.Equal(a, c) {
			t.Errorf("%+v: seeds 42 and 43 gave the same sequence %v", p, a)
		}
		p.Seed = DeriveSeed(42, 1)
		if c := run(p); slices.Equal(a, c) {
			t.Errorf("%+v: seed 42 and its choice 1 gave the same sequence %v", p, a)
		}
	}
}

// TestSampleDoesNotAllocate: once warm, no configuration allocates.
func TestSampleDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	logits := randLogits(r, 4099, 3)
	for _, p := range []Params{
		{},
		{Temperature: 1},
		{Temperature: 1, TopK: 40},
		{Temperature: 1, TopP: 0.9},
		{Temperature: 1, TopP: 0.9999},
		{Temperature: 1, MinP: 0.05},
		{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1, PresencePenalty: 0.2},
	} {
		s := mustNew(t, p)
		s.AcceptPrompt(1, 2, 3)
		s.Accept(4)
		if _, err := s.Sample(logits); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := s.Sample(logits); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%+v: %v allocations per Sample", p, allocs)
		}
	}
}

func TestNewRejectsInvalid(t *testing.T) {
	if s, err := New(Params{Temperature: -1}); s != nil || !errors.Is(err, ErrInvalid) {
		t.Errorf("New(temperature -1) = %v, %v; want nil, ErrInvalid", s, err)
	}
}

// TestReset: a reset sampler behaves as a new one, whatever its history and draws.
func TestReset(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	logits := randLogits(r, 300, 1)
	p := Params{Temperature: 1, TopK: 50, RepeatPenalty: 1.3, RepeatLastN: 4, PresencePenalty: 0.5, Seed: 9}
	run := func(s *Sampler) []int32 {
		var out []int32
		for range 40 {
			id, err := s.Sample(logits)
			if err != nil {
				t.Fatal(err)
			}
			s.Accept(id)
			out = append(out, id)
		}
		return out
	}
	want := run(mustNew(t, p))
	s := mustNew(t, Params{Temperature: 2, RepeatPenalty: 2, FrequencyPenalty: 1, Seed: 1})
	s.AcceptPrompt(1, 2, 3, 4, 5, 6)
	run(s)
	if err := s.Reset(p); err != nil {
		t.Fatal(err)
	}
	if got := run(s); !slices.Equal(got, want) {
		t.Errorf("after Reset:\n got %v\nwant %v", got, want)
	}
	if err := s.Reset(Params{TopP: 2}); !errors.Is(err, ErrInvalid) || s.Params() != p {
		t.Errorf("Reset(invalid) = %v and params %+v; want ErrInvalid and unchanged", err, s.Params())
	}
}
