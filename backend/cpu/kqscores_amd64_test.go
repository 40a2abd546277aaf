//go:build amd64 && gc && !purego

package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestKQScores8AVX2 checks the eight-row AVX2 scores bit for bit against
// kqScoresAVX2 (one row at a time) and the generic: heads of 64 and 128
// (and 96, which kqScores leaves to kqScoresAVX2), 1 to 70 rows (whole
// blocks of eight and the rows left over), rows as far apart as a head
// and farther, and a scale that rounds.
func TestKQScores8AVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	defer func(f bool) { useAVX512 = f }(useAVX512)
	useAVX512 = false
	r := rand.New(rand.NewPCG(41, 42))
	nonzero := func(n int) []float32 {
		v := randRow(r, n)
		for i := range v {
			for v[i] == 0 {
				v[i] = float32(r.NormFloat64())
			}
		}
		return v
	}
	for _, hd := range []int{64, 128, 96} {
		for _, stride := range []int{hd, hd + 8, hd + 13, 4 * hd} {
			for n := 1; n <= 70; n++ {
				scale := float32(1 / math.Sqrt(float64(hd+3)))
				kv := nonzero((n-1)*stride + hd)
				q := nonzero(hd)
				got := make([]float32, n)
				one := make([]float32, n)
				gen := make([]float32, n)
				for i := range got {
					got[i] = float32(math.NaN())
				}
				// the whole blocks by the kernel itself, the rest one by one
				g := n / 8
				if hd == 96 {
					g = 0
				}
				if g > 0 {
					kqScores8AVX2(&got[0], &kv[0], 4*stride, &q[0], hd, g, scale)
				}
				if m := 8 * g; m < n {
					kqScoresAVX2(&got[m], &kv[m*stride], 4*stride, &q[0], hd, n-m, scale)
				}
				kqScoresAVX2(&one[0], &kv[0], 4*stride, &q[0], hd, n, scale)
				kqScoresGeneric(gen, kv, stride, q, scale)
				all := make([]float32, n)
				kqScores(all, kv, stride, q, scale)
				for i := range got {
					b := math.Float32bits(got[i])
					if b != math.Float32bits(one[i]) || b != math.Float32bits(gen[i]) || b != math.Float32bits(all[i]) {
						t.Fatalf("hd=%d stride=%d n=%d: [%d] %g (kqScores %g), kqScoresAVX2 %g, generic %g",
							hd, stride, n, i, got[i], all[i], one[i], gen[i])
					}
				}
			}
		}
	}
}

// BenchmarkKQScores8AVX2 compares kqScoresAVX2 (row by row) and
// kqScores8AVX2 on 64 rows of a head of 64 and of 128 (bytes/s of keys).
func BenchmarkKQScores8AVX2(b *testing.B) {
	if !useAVX2 {
		b.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(43, 44))
	const rows = 64
	for _, hd := range []int{64, 128} {
		kv, q, out := randRow(r, rows*hd), randRow(r, hd), make([]float32, rows)
		b.Run(fmt.Sprintf("hd=%d/rows", hd), func(b *testing.B) {
			b.SetBytes(4 * rows * int64(hd))
			for b.Loop() {
				kqScoresAVX2(&out[0], &kv[0], 4*hd, &q[0], hd, rows, 0.125)
			}
		})
		b.Run(fmt.Sprintf("hd=%d/eight", hd), func(b *testing.B) {
			b.SetBytes(4 * rows * int64(hd))
			for b.Loop() {
				kqScores8AVX2(&out[0], &kv[0], 4*hd, &q[0], hd, rows/8, 0.125)
			}
		})
	}
}
