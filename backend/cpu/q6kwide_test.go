package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q6KWide makes rows (a multiple of 16) of nb random Q6_K blocks,
// their 16-row groups, a Q8_K activation row and its q4Act (fillQ6KWide).
// Every tenth row is all 63s (+31) with the scales -128 and 127 in turn.
func q6KWide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.Q6_K, rows, nb, func(blk []byte) {
		for j := range 192 {
			blk[j] = 0xff
		}
		for j := range 16 {
			blk[192+j] = byte(0x80 - j%2)
		}
	}, repackQ6KGroups)
	x, a = wideAct(r, quant.Q8_K, nb, 16, fillQ6KWide)
	return w, packed, x, a
}

// TestDotQ6KBlocks checks dotQ6KBlocks against ggml's lanes
// (dotQ6_KLanes).
func TestDotQ6KBlocks(t *testing.T) {
	testBlockOrder(t, rand.New(rand.NewPCG(95, 96)), q6KWideFormat, dotQ6_KLanes, []int{1, 2, 3, 4, 8, 9})
}

// TestDotWideQ6_K checks the repacked Q6_K kernels against dotQ6KBlocks
// on the rows as stored.
func TestDotWideQ6_K(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(97, 98)), q6KWideFormat, [][2]int{{16, 2}, {32, 4}, {48, 2}, {16, 8}, {80, 6}, {64, 2}, {96, 4}, {16, 1}, {32, 3}, {48, 5}, {64, 1}, {32, 35}})
}

var q6KWideFormat = wideFormat{
	pack:    q6KWide,
	block:   q6KBlock,
	row:     dotQ6KBlocks,
	one:     dotWideQ6_K,
	generic: dotWideQ6_KGeneric,
	two:     dotWideQ6_KTwo,
}

// BenchmarkDotWideQ6_K measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideQ6_K(b *testing.B) { benchWide(b, q6KWideFormat, 8) }
