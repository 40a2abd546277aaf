package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q8Wide makes rows (a multiple of 16) of nb random Q8_0 blocks, their
// 16-row groups, an activation row and its q4Act with the repacked
// kernels' bias. Every tenth row's weights are the extremes -128 and 127.
func q8Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.Q8_0, rows, nb, func(blk []byte) {
		for j := range 32 {
			blk[2+j] = byte(0x80 - j%2) // -128, 127
		}
	}, repackQ8Groups)
	x = make([]byte, nb*q8Block)
	a = &q4Act{}
	quantizeQ8WideAct(a, x, randRow(r, nb*32), make([]int32, nb), make([]float32, nb))
	return w, packed, x, a
}

// TestDotWideQ8_0 checks the repacked Q8_0 kernels (two runs: four
// streams, an odd last group alone) against dotBlocks on the rows as
// stored.
func TestDotWideQ8_0(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(81, 82)), q8WideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 64}, {80, 65}, {64, 7}, {96, 65}, {128, 4}})
}

var q8WideFormat = wideFormat{
	pack:    q8Wide,
	block:   q8Block,
	row:     func(nb int, w, x []byte) float32 { return dotBlocks(nb, q8Block, w, x, q8Vals) },
	one:     dotWideQ8_0,
	generic: dotWideQ8_0Generic,
	two:     dotWideQ8_0Two,
}

func BenchmarkDotWideQ8_0(b *testing.B) { benchWide(b, q8WideFormat, 64) }

// TestDotQ8BlockOrder checks dotBlocks on Q8_0 rows against ggml's lanes
// (dotLanes8).
func TestDotQ8BlockOrder(t *testing.T) {
	lanes := func(nb int, w, x []byte) float32 { return dotLanes8(nb, q8Block, w, x, q8Vals) }
	testBlockOrder(t, rand.New(rand.NewPCG(109, 110)), q8WideFormat, lanes, []int{1, 7, 64})
}
