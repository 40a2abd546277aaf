package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q5KWide makes rows (a multiple of 16) of nb random Q5_K blocks, their
// 16-row groups, a Q8_K activation row and its q4Act (fillQ4KWide). Every
// tenth row is all 31s with the largest scales and minimums.
func q5KWide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.Q5_K, rows, nb, func(blk []byte) {
		for j := 4; j < q5KBlock; j++ {
			blk[j] = 0xff
		}
	}, repackQ5KGroups)
	x, a = wideAct(r, quant.Q8_K, nb, 8, fillQ4KWide)
	return w, packed, x, a
}

// TestDotWideQ5_K checks the repacked Q5_K kernels against ggml's lanes
// (dotQ5_KLanes) on the rows as stored, bit for bit.
func TestDotWideQ5_K(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(103, 104)), q5KWideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 8}, {80, 9}, {64, 7}, {96, 5}, {128, 4}})
}

var q5KWideFormat = wideFormat{
	pack:    q5KWide,
	block:   q5KBlock,
	row:     dotQ5_KLanes,
	one:     dotWideQ5_K,
	generic: dotWideQ5_KGeneric,
	two:     dotWideQ5_KTwo,
}

// BenchmarkDotWideQ5_K measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideQ5_K(b *testing.B) { benchWide(b, q5KWideFormat, 8) }
