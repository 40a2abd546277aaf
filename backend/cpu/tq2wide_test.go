package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// tq2Wide makes rows (a multiple of 16) of nb random TQ2_0 blocks, their
// 16-row groups, a Q8_K activation row and its q4Act (fillTQ2Wide). Every
// tenth row's levels are all 2 (every weight +1).
func tq2Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.TQ2_0, rows, nb, func(blk []byte) {
		for j := range 64 {
			blk[j] = 0xaa
		}
	}, repackTQ2Groups)
	x, a = wideAct(r, quant.Q8_K, nb, 1, fillTQ2Wide)
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

// TestDotTQ2Blocks checks dotTQ2Blocks against ggml's lanes
// (dotTQ2_0Lanes).
func TestDotTQ2Blocks(t *testing.T) {
	testBlockOrder(t, rand.New(rand.NewPCG(111, 112)), tq2WideFormat, dotTQ2_0Lanes, []int{1, 3, 8})
}
