package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// refTopK is the plain reference: columns sorted by value, larger first,
// lower column first on ties.
func refTopK(row []float32, k int) []int32 {
	idx := make([]int32, len(row))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		switch {
		case row[a] > row[b]:
			return -1
		case row[a] < row[b]:
			return 1
		}
		return 0
	})
	return idx[:k]
}

func TestSampling(t *testing.T) {
	dev := gpu(t)
	rng := rand.New(rand.NewPCG(12, 12))
	for _, s := range []struct{ rows, cols int }{{1, 1}, {3, 77}, {2, 1000}, {4, 32000}, {1, 128256}} {
		v := randF32(rng, s.rows*s.cols, 8)
		// ties: copies of other values of the row, and a repeated maximum
		for r := 0; r < s.rows && s.cols > 4; r++ {
			row := v[r*s.cols : (r+1)*s.cols]
			for range s.cols / 10 {
				row[rng.IntN(s.cols)] = row[rng.IntN(s.cols)]
			}
			best := slices.Max(row)
			row[rng.IntN(s.cols)] = best
		}
		x, err := dev.Alloc(quant.F32, s.rows, s.cols)
		if err != nil {
			t.Fatal(err)
		}
		defer dev.Free(x)
		if err := dev.Upload(x, f32Bytes(v)); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%dx%d", s.rows, s.cols)

		ids, vals, err := dev.ArgMax(x)
		if err != nil {
			t.Fatal(err)
		}
		for r := range s.rows {
			want := refTopK(v[r*s.cols:(r+1)*s.cols], 1)[0]
			if ids[r] != want || vals[r] != v[r*s.cols+int(want)] {
				t.Errorf("%s row %d: argmax %d (%v), want %d (%v)", name, r, ids[r], vals[r], want, v[r*s.cols+int(want)])
			}
		}

		for _, k := range []int{1, 7, 40, 64, 1000} {
			if k > s.cols {
				continue
			}
			ids, vals, err := dev.TopK(x, k)
			if err != nil {
				t.Fatal(err)
			}
			for r := range s.rows {
				row := v[r*s.cols : (r+1)*s.cols]
				want := refTopK(row, k)
				got := ids[r*k : (r+1)*k]
				if !slices.Equal(got, want) {
					t.Errorf("%s row %d: top %d = %v…, want %v…", name, r, k, got[:min(k, 8)], want[:min(k, 8)])
					continue
				}
				for i, id := range got {
					if vals[r*k+i] != row[id] {
						t.Errorf("%s row %d: top %d value %d is %v, want %v", name, r, k, i, vals[r*k+i], row[id])
						break
					}
				}
			}
		}

		for _, scale := range []float32{1, 1 / 0.7} {
			out, err := dev.Alloc(quant.F32, s.rows, s.cols)
			if err != nil {
				t.Fatal(err)
			}
			defer dev.Free(out)
			if err := dev.Softmax(out, x, scale); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, s.rows*s.cols)
			if err := dev.Download(f32Bytes(got), out); err != nil {
				t.Fatal(err)
			}
			var worst float64
			for r := range s.rows {
				row := v[r*s.cols : (r+1)*s.cols]
				mx := math.Inf(-1)
				for _, e := range row {
					mx = max(mx, float64(scale)*float64(e))
				}
				var sum float64
				for _, e := range row {
					sum += math.Exp(float64(scale)*float64(e) - mx)
				}
				for c, e := range row {
					want := math.Exp(float64(scale)*float64(e)-mx) / sum
					worst = max(worst, math.Abs(float64(got[r*s.cols+c])-want)/max(want, 1e-30))
				}
			}
			if worst > 1e-4 {
				t.Errorf("%s softmax ×%g: relative error %.3g", name, scale, worst)
			}
		}
	}
	x, err := dev.Alloc(quant.F32, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(x)
	if _, _, err := dev.TopK(x, 6); err == nil {
		t.Error("top 6 of 5 accepted")
	}
}
