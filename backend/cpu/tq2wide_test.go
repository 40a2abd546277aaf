package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// tq2Wide makes rows (a multiple of 16) of nb random TQ2_0 blocks, their
// 16-row groups (repackTQ2Groups), a Q8_K activation row and its q4Act
// (fillTQ2Wide). Every tenth row's levels are all 2 (every weight +1) and
// its activations' extremes are kept.
func tq2Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	rb := nb * tq2Block
	w = make([]byte, rows*rb)
	for i := range rows {
		row := w[i*rb : (i+1)*rb]
		if err := quant.Quantize(quant.TQ2_0, row, randRow(r, nb*256)); err != nil {
			panic(err)
		}
		if i%10 == 9 {
			for b := range nb {
				for j := range 64 {
					row[b*tq2Block+j] = 0xaa
				}
			}
		}
	}
	x = make([]byte, nb*q8KBlock)
	if err := quantizeRow(quant.Q8_K, x, randRow(r, nb*256)); err != nil {
		panic(err)
	}
	a = &q4Act{bias: make([]int32, nb), d: make([]float32, nb)}
	fillTQ2Wide(a, x, nb)
	packed = make([]byte, len(w))
	repackTQ2Groups(packed, w, 0, rows/q4WideRows, nb)
	return w, packed, x, a
}

// TestDotWideTQ2_0 checks the repacked TQ2_0 kernels, one run and two runs
// at once (four streams, an odd last group alone), against the row by row
// reference of the order they keep (dotTQ2Blocks on the rows as stored),
// bit for bit, at every level.
func TestDotWideTQ2_0(t *testing.T) {
	r := rand.New(rand.NewPCG(85, 86))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 8}, {80, 9}, {64, 7}, {96, 5}, {128, 4}} {
				rows, nb := sz[0], sz[1]
				w, packed, x, a := tq2Wide(r, rows, nb)
				rb := nb * tq2Block
				want := make([]float32, rows)
				for i := range want {
					want[i] = dotTQ2Blocks(nb, w[i*rb:], x)
				}
				got := make([]float32, rows)
				dotWideTQ2_0(got, packed, nb, a)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want[i])
					}
				}
				clear(got)
				dotWideTQ2_0Generic(got, packed, nb, a)
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
				dotWideTQ2_0Two(got[:h], got[h:], packed[:h*rb], packed[h*rb:], nb, a)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=2×%d nb=%d: two runs: row %d = %g, want %g", h, nb, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// BenchmarkDotWideTQ2_0 measures the one-run kernel on 256 rows of 2048
// at every level (bytes/s of weights).
func BenchmarkDotWideTQ2_0(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, nb = 256, 8
	_, packed, _, a := tq2Wide(r, rows, nb)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(packed)))
			for b.Loop() {
				dotWideTQ2_0(out, packed, nb, a)
			}
		})
	}
}
