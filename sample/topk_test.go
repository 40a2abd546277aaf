package sample

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// TestTopKMatchesSort checks the heap selection against a full sort on random inputs of
// odd sizes with ties, NaN and infinities.
func TestTopKMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var buf []cand
	for _, n := range []int{1, 2, 3, 7, 64, 65, 257, 1001} {
		for trial := range 4 {
			x := make([]float32, n)
			for i := range x {
				switch r.IntN(20) {
				case 0:
					x[i] = float32(math.NaN())
				case 1:
					x[i] = float32(math.Inf(-1))
				case 2:
					x[i] = float32(math.Inf(1))
				default:
					// Few distinct values on odd trials, to force ties.
					if trial%2 == 1 {
						x[i] = float32(r.IntN(5))
					} else {
						x[i] = float32(r.NormFloat64())
					}
				}
			}
			ref := make([]cand, n)
			for i, v := range x {
				if v != v {
					v = float32(math.Inf(-1))
				}
				ref[i] = cand{v: v, id: int32(i)}
			}
			sort.Slice(ref, func(i, j int) bool { return worse(ref[j], ref[i]) })
			for _, k := range []int{1, 2, 5, n / 2, n - 1, n} {
				if k < 1 || k > n {
					continue
				}
				buf = topK(buf, x, k)
				for i := range k {
					if buf[i] != ref[i] {
						t.Fatalf("n=%d k=%d: position %d = %+v, want %+v", n, k, i, buf[i], ref[i])
					}
				}
			}
		}
	}
}
