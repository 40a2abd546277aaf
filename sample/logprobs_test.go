package sample

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// refLogprobs returns log(exp(x_id) / Σ exp(x_i)) computed the direct way, valid for
// moderate logits.
func refLogprobs(x []float32) func(id int32) float64 {
	z := 0.0
	for _, v := range x {
		z += math.Exp(float64(v))
	}
	return func(id int32) float64 { return math.Log(math.Exp(float64(x[id])) / z) }
}

func TestLogprobsMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 2, 5, 31, 1000, 4097} {
		x := randLogits(r, n, 3)
		refLogprob := refLogprobs(x)
		for _, top := range []int{0, 1, 5, n + 3} {
			id := int32(r.IntN(n))
			lp, tops, err := Logprobs(x, id, top)
			if err != nil {
				t.Fatal(err)
			}
			if want := refLogprob(id); math.Abs(float64(lp)-want) > 1e-5*max(1, math.Abs(want)) {
				t.Errorf("n=%d: logprob %v, want %v", n, lp, want)
			}
			// tops: the best min(top, n) tokens by a full sort, and their logprobs.
			order := make([]int32, n)
			for i := range order {
				order[i] = int32(i)
			}
			sort.SliceStable(order, func(a, b int) bool { return x[order[a]] > x[order[b]] })
			wantN := min(top, n)
			if len(tops) != wantN {
				t.Fatalf("n=%d top=%d: %d tops", n, top, len(tops))
			}
			for i, tl := range tops {
				if tl.ID != order[i] {
					t.Errorf("n=%d: tops[%d] = token %d, want %d", n, i, tl.ID, order[i])
				}
				if want := refLogprob(tl.ID); math.Abs(float64(tl.Logprob)-want) > 1e-5*max(1, math.Abs(want)) {
					t.Errorf("n=%d: tops[%d] logprob %v, want %v", n, i, tl.Logprob, want)
				}
			}
		}
	}
}

func TestLogprobsEdgeCases(t *testing.T) {
	ln2, ln3 := float32(-math.Ln2), float32(-math.Log(3))
	tests := []struct {
		name   string
		x      []float32
		id     int32
		top    int
		want   float32
		tops   []TokenLogprob
		errIs  error
		errAny bool
	}{
		// exp(1000) overflows float64: only the max-subtracted sum survives.
		{"huge logits", []float32{1000, 1000}, 1, 2, ln2, []TokenLogprob{{0, ln2}, {1, ln2}}, nil, false},
		{"very negative", []float32{-1e4, -1e4, -1e4}, 2, 1, ln3, []TokenLogprob{{0, ln3}}, nil, false},
		{"ties lowest id first", []float32{0, 5, 5, 1}, 0, 3, float32(-math.Log(1 + 2*math.Exp(5) + math.E)), nil, nil, false},
		{"NaN is -Inf", []float32{nan, 0, 0}, 0, 3, ninf, []TokenLogprob{{1, ln2}, {2, ln2}, {0, ninf}}, nil, false},
		{"+Inf shares", []float32{inf, 3, inf}, 0, 2, ln2, []TokenLogprob{{0, ln2}, {2, ln2}}, nil, false},
		{"+Inf others -Inf", []float32{inf, 3}, 1, 0, ninf, nil, nil, false},
		{"empty", nil, 0, 0, 0, nil, ErrNoLogits, false},
		{"all -Inf", []float32{ninf, nan}, 0, 0, 0, nil, ErrNoCandidates, false},
		{"id past end", []float32{1, 2}, 2, 0, 0, nil, nil, true},
		{"negative id", []float32{1, 2}, -1, 0, 0, nil, nil, true},
		{"negative top", []float32{1, 2}, 0, -1, 0, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lp, tops, err := Logprobs(tt.x, tt.id, tt.top)
			switch {
			case tt.errIs != nil:
				if !errors.Is(err, tt.errIs) {
					t.Errorf("err = %v, want %v", err, tt.errIs)
				}
				return
			case tt.errAny:
				if err == nil {
					t.Errorf("err = nil, want an error")
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if !close32(lp, tt.want) {
				t.Errorf("logprob = %v, want %v", lp, tt.want)
			}
			if tt.name == "ties lowest id first" {
				ids := []int32{tops[0].ID, tops[1].ID, tops[2].ID}
				if !slices.Equal(ids, []int32{1, 2, 3}) {
					t.Errorf("tops ids %v, want [1 2 3]", ids)
				}
				return
			}
			if len(tops) != len(tt.tops) {
				t.Fatalf("tops = %v, want %v", tops, tt.tops)
			}
			for i := range tops {
				if tops[i].ID != tt.tops[i].ID || !close32(tops[i].Logprob, tt.tops[i].Logprob) {
					t.Errorf("tops = %v, want %v", tops, tt.tops)
				}
			}
		})
	}
}

func close32(a, b float32) bool {
	if math.IsInf(float64(b), 0) {
		return a == b
	}
	return math.Abs(float64(a-b)) <= 1e-6*max(1, math.Abs(float64(b)))
}
