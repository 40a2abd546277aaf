package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// distinctLogits are a shuffled 0, 0.5, 1, … so that every gap is at least 0.5.
func distinctLogits(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i, j := range r.Perm(n) {
		x[i] = float32(j)*0.5 - float32(n)/4
	}
	return x
}

func TestColdAndTopK1EqualGreedy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 7, 300, 1001} {
		for trial := range 5 {
			logits := distinctLogits(r, n)
			hist := randHist(r, n, 20)
			// Penalties off the 0.5 grid, so that they do not create ties (which greedy
			// breaks by id and sampling by chance).
			pen := Params{RepeatPenalty: 1.13, RepeatLastN: 8, PresencePenalty: 0.31, FrequencyPenalty: 0.17}
			greedy := mustNew(t, pen)
			accept(greedy, hist)
			want, err := greedy.Sample(logits)
			if err != nil {
				t.Fatal(err)
			}
			variants := map[string]Params{
				"temperature 1e-3":      {Temperature: 1e-3},
				"temperature 1e-3 +all": {Temperature: 1e-3, TopK: 50, TopP: 0.9, MinP: 0.01},
				"top-k 1":               {Temperature: 1, TopK: 1},
				"top-k 1 hot":           {Temperature: 5, TopK: 1, TopP: 0.99},
				"min-p 1":               {Temperature: 2, MinP: 1},
				"top-p tiny":            {Temperature: 2, TopP: 1e-6},
			}
			for name, v := range variants {
				v.RepeatPenalty, v.RepeatLastN = pen.RepeatPenalty, pen.RepeatLastN
				v.PresencePenalty, v.FrequencyPenalty = pen.PresencePenalty, pen.FrequencyPenalty
				v.Seed = uint64(trial)
				s := mustNew(t, v)
				accept(s, hist)
				for range 20 {
					if got, err := s.Sample(logits); err != nil || got != want {
						t.Fatalf("n=%d %s: Sample = %d, %v; greedy %d", n, name, got, err, want)
					}
				}
			}
		}
	}
}

// TestTopKOneTies: top-k 1 keeps the lowest id among tied best logits, as greedy does.
func TestTopKOneTies(t *testing.T) {
	logits := []float32{0, 4, 1, 4, 4}
	s := mustNew(t, Params{Temperature: 1, TopK: 1})
	for range 50 {
		if id, err := s.Sample(logits); err != nil || id != 1 {
			t.Fatalf("Sample = %d, %v; want 1", id, err)
		}
	}
}

// logitsOf returns logits whose softmax is probs.
func logitsOf(probs ...float64) []float32 {
	x := make([]float32, len(probs))
	for i, p := range probs {
		x[i] = float32(math.Log(p))
	}
	return x
}

func TestTopPNucleus(t *testing.T) {
	// Probabilities 0.05, 0.5, 0.15, 0.3 (best first: 1, 3, 2, 0), padded so that the
	// full-vocabulary path sees the same shape among many negligible tokens.
	base := []float64{0.05, 0.5, 0.15, 0.3}
	tests := []struct {
		p    float32
		want []int32
	}{
		{0.01, []int32{1}},
		{0.49, []int32{1}},
		{0.51, []int32{1, 3}},
		{0.79, []int32{1, 3}},
		{0.81, []int32{1, 2, 3}},
		{0.94, []int32{1, 2, 3}},
		{0.96, []int32{0, 1, 2, 3}},
	}
	for _, pad := range []int{0, 5000} {
		probs := slices.Clone(base)
		for range pad {
			probs = append(probs, 1e-30)
		}
		logits := logitsOf(probs...)
		for _, tt := range tests {
			for _, k := range []int{0, 3, 4, 10} {
				name := fmt.Sprintf("pad=%d/top_p=%v/top_k=%d", pad, tt.p, k)
				t.Run(name, func(t *testing.T) {
					want := tt.want
					if k == 3 {
						// top-k 3 first leaves 0.5, 0.3, 0.15 (renormalized by 0.95).
						want = nucleusAfterTop3(tt.p)
					}
					s := mustNew(t, Params{Temperature: 1, TopP: tt.p, TopK: k})
					d, err := implDist(s, logits)
					if err != nil {
						t.Fatal(err)
					}
					if got := keys(d); !slices.Equal(got, want) {
						t.Errorf("kept %v, want %v", got, want)
					}
					seen := map[int32]bool{}
					for range 400 {
						id, err := s.Sample(logits)
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Contains(want, id) {
							t.Fatalf("Sample = %d outside the nucleus %v", id, want)
						}
						seen[id] = true
					}
					if len(seen) != len(want) {
						t.Errorf("400 draws saw %v of nucleus %v", seen, want)
					}
				})
			}
		}
	}
}

func nucleusAfterTop3(p float32) []int32 {
	cum := 0.0
	var out []int32
	for _, c := range []struct {
		id int32
		q  float64
	}{{1, 0.5 / 0.95}, {3, 0.3 / 0.95}, {2, 0.15 / 0.95}} {
		out = append(out, c.id)
		cum += c.q
		if cum >= float64(p) {
			break
		}
	}
	slices.Sort(out)
	return out
}

func keys(d map[int32]float64) []int32 {
	var k []int32
	for id := range d {
		k = append(k, id)
	}
	slices.Sort(k)
	return k
}

func TestMinP(t *testing.T) {
	// p = 0.4, 0.2, 0.1, 0.05, 0.25 (ratios to the best: 1, 0.5, 0.25, 0.125, 0.625).
	logits := logitsOf(0.4, 0.2, 0.1, 0.05, 0.25)
	tests := []struct {
		minP float32
		topK int
		want []int32
	}{
		{0.01, 0, []int32{0, 1, 2, 3, 4}},
		{0.2, 0, []int32{0, 1, 2, 4}},
		{0.3, 0, []int32{0, 1, 4}},
		{0.55, 0, []int32{0, 4}},
		{0.7, 0, []int32{0}},
		{1, 0, []int32{0}},
		{0.2, 2, []int32{0, 4}},
		{0.3, 4, []int32{0, 1, 4}},
		{1, 2, []int32{0}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("min_p=%v/top_k=%d", tt.minP, tt.topK), func(t *testing.T) {
			s := mustNew(t, Params{Temperature: 1.5, MinP: tt.minP, TopK: tt.topK})
			d, err := implDist(s, logits)
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(d); !slices.Equal(got, tt.want) {
				t.Errorf("kept %v, want %v", got, tt.want)
			}
			// Tied best tokens are all kept, even at min_p 1.
			tied := append(slices.Clone(logits), logits[0])
			s = mustNew(t, Params{Temperature: 1.5, MinP: tt.minP, TopK: tt.topK})
			d, err = implDist(s, tied)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := d[int32(len(logits))]; !ok || len(d) < 2 {
				t.Errorf("tied best token %d dropped: kept %v", len(logits), keys(d))
			}
		})
	}
}
