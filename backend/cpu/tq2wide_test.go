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

// TestDotWideTQ2_0 checks the repacked TQ2_0 kernels (two runs: four
// streams, an odd last group alone) against dotTQ2Blocks on the rows as
// stored.
func TestDotWideTQ2_0(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(85, 86)), tq2WideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 8}, {80, 9}, {64, 7}, {96, 5}, {128, 4}})
}

var tq2WideFormat = wideFormat{
	pack:    tq2Wide,
	block:   tq2Block,
	row:     dotTQ2Blocks,
	one:     dotWideTQ2_0,
	generic: dotWideTQ2_0Generic,
	two:     dotWideTQ2_0Two,
}

// BenchmarkDotWideTQ2_0 measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideTQ2_0(b *testing.B) { benchWide(b, tq2WideFormat, 8) }
