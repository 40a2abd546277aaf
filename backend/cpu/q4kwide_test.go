package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q4KWide makes rows (a multiple of 16) of nb random Q4_K blocks, their
// 16-row groups (repackQ4KGroups), a Q8_K activation row and its q4Act
// (fillQ4KWide). Every tenth row is all 15s with the largest scales.
func q4KWide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	rb := nb * q4KBlock
	w = make([]byte, rows*rb)
	for i := range rows {
		row := w[i*rb : (i+1)*rb]
		if err := quant.Quantize(quant.Q4_K, row, randRow(r, nb*256)); err != nil {
			panic(err)
		}
		if i%10 == 9 {
			for b := range nb {
				for j := 4; j < q4KBlock; j++ {
					row[b*q4KBlock+j] = 0xff
				}
			}
		}
	}
	x = make([]byte, nb*q8KBlock)
	if err := quantizeRow(quant.Q8_K, x, randRow(r, nb*256)); err != nil {
		panic(err)
	}
	a = &q4Act{bias: make([]int32, 8*nb), d: make([]float32, nb)}
	fillQ4KWide(a, x, nb)
	packed = make([]byte, len(w))
	repackQ4KGroups(packed, w, 0, rows/q4WideRows, nb)
	return w, packed, x, a
}

// TestDotQ4KBlocks checks the block-by-block order's reference against
// ggml's lanes (dotQ4_KLanes): the same sum, rounded differently.
func TestDotQ4KBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(89, 90))
	for _, nb := range []int{1, 3, 8} {
		w, _, x, _ := q4KWide(r, 16, nb)
		rb := nb * q4KBlock
		for i := range 16 {
			got, want := dotQ4KBlocks(nb, w[i*rb:], x), dotQ4_KLanes(nb, w[i*rb:], x)
			if math.Abs(float64(got-want)) > 1e-4*math.Max(1, math.Abs(float64(want))) {
				t.Fatalf("nb=%d row %d: %g, ggml's lanes %g", nb, i, got, want)
			}
		}
	}
}

// TestDotWideQ4_K checks the repacked Q4_K kernels, one run and two runs
// at once, against the row by row reference of the order they keep
// (dotQ4KBlocks on the rows as stored), bit for bit, at every level.
func TestDotWideQ4_K(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 8}, {80, 9}, {64, 7}, {96, 5}, {128, 4}} {
				rows, nb := sz[0], sz[1]
				w, packed, x, a := q4KWide(r, rows, nb)
				rb := nb * q4KBlock
				want := make([]float32, rows)
				for i := range want {
					want[i] = dotQ4KBlocks(nb, w[i*rb:], x)
				}
				got := make([]float32, rows)
				dotWideQ4_K(got, packed, nb, a)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want[i])
					}
				}
				clear(got)
				dotWideQ4_KGeneric(got, packed, nb, a)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=%d nb=%d: generic: row %d = %g, want %g", rows, nb, i, got[i], want[i])
					}
				}
				if rows%32 != 0 {
					continue
				}
				h := rows / 2
				clear(got)
				dotWideQ4_KTwo(got[:h], got[h:], packed[:h*rb], packed[h*rb:], nb, a)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=2×%d nb=%d: two runs: row %d = %g, want %g", h, nb, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// BenchmarkDotWideQ4_K measures the one-run kernel on 256 rows of 2048
// at every level (bytes/s of weights).
func BenchmarkDotWideQ4_K(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, nb = 256, 8
	_, packed, _, a := q4KWide(r, rows, nb)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(packed)))
			for b.Loop() {
				dotWideQ4_K(out, packed, nb, a)
			}
		})
	}
}
