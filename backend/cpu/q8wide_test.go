package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q8Wide makes rows (a multiple of 16) of nb random Q8_0 blocks, their
// 16-row groups (repackQ8Groups), an activation row and its q4Act with
// the repacked kernels' bias. Every tenth row's weights are the extremes
// -128 and 127.
func q8Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	rb := nb * q8Block
	w = make([]byte, rows*rb)
	for i := range rows {
		row := w[i*rb : (i+1)*rb]
		if err := quant.Quantize(quant.Q8_0, row, randRow(r, nb*32)); err != nil {
			panic(err)
		}
		if i%10 == 9 {
			for b := range nb {
				for j := range 32 {
					row[b*q8Block+2+j] = byte(0x80 - j%2) // -128, 127
				}
			}
		}
	}
	x = make([]byte, nb*q8Block)
	a = &q4Act{}
	quantizeQ8WideAct(a, x, randRow(r, nb*32), make([]int32, nb), make([]float32, nb))
	packed = make([]byte, len(w))
	repackQ8Groups(packed, w, 0, rows/q4WideRows, nb)
	return w, packed, x, a
}

// TestDotWideQ8_0 checks the repacked Q8_0 kernels, one run and two runs
// at once (four streams, an odd last group alone), against the row by row
// reference of the order they keep (dotBlocks on the rows as stored),
// bit for bit, at every level: the layout, the bias and the kernels at
// once.
func TestDotWideQ8_0(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 64}, {80, 65}, {64, 7}, {96, 65}, {128, 4}} {
				rows, nb := sz[0], sz[1]
				w, packed, x, a := q8Wide(r, rows, nb)
				rb := nb * q8Block
				want := make([]float32, rows)
				for i := range want {
					want[i] = dotBlocks(nb, q8Block, w[i*rb:], x, q8Vals)
				}
				got := make([]float32, rows)
				dotWideQ8_0(got, packed, nb, a)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want[i])
					}
				}
				clear(got)
				dotWideQ8_0Generic(got, packed, nb, a)
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
				dotWideQ8_0Two(got[:h], got[h:], packed[:h*rb], packed[h*rb:], nb, a)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=2×%d nb=%d: two runs: row %d = %g, want %g", h, nb, i, got[i], want[i])
					}
				}
			}
		})
	}
}

func BenchmarkDotWideQ8_0(b *testing.B) { benchQ4Groups(b, q8Wide, dotWideQ8_0) }
