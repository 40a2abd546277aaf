package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q2KWide makes rows (a multiple of 16) of nb random Q2_K blocks, their
// 16-row groups, a Q8_K activation row and its q4Act (fillQ2KWide). Every
// tenth row is all 3s with the largest scales and minimums.
func q2KWide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.Q2_K, rows, nb, func(blk []byte) {
		for j := range 80 {
			blk[j] = 0xff
		}
	}, repackQ2KGroups)
	x, a = wideAct(r, quant.Q8_K, nb, 8, fillQ2KWide)
	return w, packed, x, a
}

// TestDotWideQ2_K checks the repacked Q2_K kernels against ggml's lanes
// (dotQ2_KLanes, the row kernels' order) on the rows as stored, bit for
// bit.
func TestDotWideQ2_K(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(131, 132)), q2KWideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 8}, {80, 9}, {64, 7}, {96, 5}, {128, 4}, {32, 35}})
}

var q2KWideFormat = wideFormat{
	pack:    q2KWide,
	block:   q2KBlock,
	row:     dotQ2_KLanes,
	one:     dotWideQ2_K,
	generic: dotWideQ2_KGeneric,
	two:     dotWideQ2_KTwo,
}

// BenchmarkDotWideQ2_K measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideQ2_K(b *testing.B) { benchWide(b, q2KWideFormat, 8) }
