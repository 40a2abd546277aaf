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

// TestSelectMassMatchesSort checks the mass-steered quickselect against sorting and
// walking the prefix, on odd sizes with ties. The weights are multiples of 1/64, so every
// partial sum is exact and the two walks cannot round apart.
func TestSelectMassMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{1, 2, 5, 24, 25, 26, 100, 1001, 4099} {
		for trial := range 6 {
			c := make([]cand, n)
			w := make([]float64, n)
			weightOf := map[int32]float64{}
			total := 0.0
			for i := range c {
				v := float32(r.NormFloat64())
				if trial%2 == 1 {
					v = float32(r.IntN(4)) // ties
				}
				c[i] = cand{v: v, id: int32(r.IntN(1 << 20))}
				for weightOf[c[i].id] != 0 { // ids are unique in a candidate list
					c[i].id++
				}
				w[i] = float64(1+r.IntN(64)) / 64
				weightOf[c[i].id] = w[i]
				total += w[i]
			}
			ref := append([]cand(nil), c...)
			sort.Slice(ref, func(i, j int) bool { return worse(ref[j], ref[i]) })
			for _, frac := range []float64{0, 0.1, 0.5, 0.9, 1} {
				target := math.Ceil(frac*total*64) / 64
				wantK, cum := len(ref), 0.0
				for i, cd := range ref {
					cum += weightOf[cd.id]
					if cum >= target {
						wantK = i + 1
						break
					}
				}
				gc, gw := append([]cand(nil), c...), append([]float64(nil), w...)
				k := selectMass(gc, gw, target)
				if k != wantK {
					t.Fatalf("n=%d trial=%d target=%v: k = %d, want %d", n, trial, target, k, wantK)
				}
				got := append([]cand(nil), gc[:k]...)
				sort.Slice(got, func(i, j int) bool { return worse(got[j], got[i]) })
				for i := range got {
					if got[i] != ref[i] {
						t.Fatalf("n=%d target=%v: prefix[%d] = %+v, want %+v", n, target, i, got[i], ref[i])
					}
				}
				for i, cd := range gc {
					if gw[i] != weightOf[cd.id] {
						t.Fatalf("n=%d: weight of token %d moved apart from it", n, cd.id)
					}
				}
			}
		}
	}
}
