package sample

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPickMatchesScan checks the blocked scan against a plain walk over every weight.
// Weights are multiples of 1/8 (with runs of zeros), so all sums are exact.
func TestPickMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{1, 2, drawBlock - 1, drawBlock, drawBlock + 1, 3*drawBlock + 17, 5000} {
		for trial := range 20 {
			w := make([]float64, n)
			for i := range w {
				if r.IntN(3) > 0 || trial%5 == 0 {
					w[i] = float64(r.IntN(16)) / 8
				}
			}
			w[r.IntN(n)] = 1 // not all zero
			blk := make([]float64, (n+drawBlock-1)/drawBlock)
			z := 0.0
			for i, wi := range w {
				blk[i/drawBlock] += wi
				z += wi
			}
			for range 50 {
				target := math.Floor(r.Float64()*z*8) / 8
				want, cum := -1, 0.0
				for i, wi := range w {
					cum += wi
					if wi > 0 && cum > target {
						want = i
						break
					}
				}
				if got := pick(w, blk, target); got != want {
					t.Fatalf("n=%d target=%v: pick = %d, want %d", n, target, got, want)
				}
			}
		}
	}
}

// TestDrawWeights checks the weights and block sums the draws leave behind against a
// per-token recomputation, on candidate lists and vocabularies of several blocks.
func TestDrawWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, p := range []Params{
		{Temperature: 0.7},             // drawAll
		{Temperature: 1.3, MinP: 1e-3}, // drawCand over a long, unsorted list
		{Temperature: 0.9, TopP: 0.99}, // drawCand over a long nucleus
	} {
		for _, n := range []int{drawBlock + 3, 3*drawBlock - 1, 2500} {
			logits := randLogits(r, n, 1)
			s := mustNew(t, p)
			for range 3 { // stale scratch from earlier calls must not leak in
				if _, err := s.Sample(randLogits(r, n, 1)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Sample(logits); err != nil {
				t.Fatal(err)
			}
			// The draw leaves s.cand alone; with no filter set it read the logits.
			all := p.MinP == 0 && p.TopP == 0
			var vs []float32
			if all {
				vs = logits
			} else {
				for _, cd := range s.cand {
					vs = append(vs, cd.v)
				}
			}
			top := float64(maxLogit(vs))
			if len(s.w) != len(vs) {
				t.Fatalf("%+v n=%d: %d weights for %d candidates", p, n, len(s.w), len(vs))
			}
			if !all && n == 2500 && len(vs) <= drawBlock {
				t.Fatalf("%+v n=%d: only %d candidates, want several blocks", p, n, len(vs))
			}
			blk := make([]float64, (len(vs)+drawBlock-1)/drawBlock)
			for i, v := range vs {
				want := 0.0
				if d := (float64(v) - top) * (1 / float64(p.Temperature)); d > negligibleLogit {
					want = math.Exp(d)
				}
				if math.Abs(s.w[i]-want) > 2e-15*want {
					t.Fatalf("%+v n=%d: weight %d = %v, want %v", p, n, i, s.w[i], want)
				}
				blk[i/drawBlock] += s.w[i]
			}
			for b := range blk {
				if s.blk[b] != blk[b] {
					t.Fatalf("%+v n=%d: block %d sums to %v, want %v", p, n, b, s.blk[b], blk[b])
				}
			}
		}
	}
}
