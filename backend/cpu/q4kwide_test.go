package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q4KWide makes rows (a multiple of 16) of nb random Q4_K blocks, their
// 16-row groups, a Q8_K activation row and its q4Act (fillQ4KWide). Every
// tenth row is all 15s with the largest scales.
func q4KWide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.Q4_K, rows, nb, func(blk []byte) {
		for j := 4; j < q4KBlock; j++ {
			blk[j] = 0xff
		}
	}, repackQ4KGroups)
	x, a = wideAct(r, quant.Q8_K, nb, 8, fillQ4KWide)
	return w, packed, x, a
}

// TestDotQ4KBlocks checks dotQ4KBlocks against ggml's lanes
// (dotQ4_KLanes).
func TestDotQ4KBlocks(t *testing.T) {
	testBlockOrder(t, rand.New(rand.NewPCG(89, 90)), q4KWideFormat, dotQ4_KLanes, []int{1, 3, 8})
}

// TestDotWideQ4_K checks the repacked Q4_K kernels against dotQ4KBlocks
// on the rows as stored.
func TestDotWideQ4_K(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(91, 92)), q4KWideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 8}, {80, 9}, {64, 7}, {96, 5}, {128, 4}})
}

var q4KWideFormat = wideFormat{
	pack:    q4KWide,
	block:   q4KBlock,
	row:     dotQ4KBlocks,
	one:     dotWideQ4_K,
	generic: dotWideQ4_KGeneric,
	two:     dotWideQ4_KTwo,
}

// BenchmarkDotWideQ4_K measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideQ4_K(b *testing.B) { benchWide(b, q4KWideFormat, 8) }
