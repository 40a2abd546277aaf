package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q50Wide makes rows (a multiple of 16) of nb random Q5_0 blocks, their
// 16-row groups, a Q8_0 activation row and its q4Act (fillQ50Wide). Every
// tenth row is all 15s with every fifth bit set (level 31).
func q50Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.Q5_0, rows, nb, func(blk []byte) {
		for j := 2; j < q5Block; j++ {
			blk[j] = 0xff
		}
	}, repackQ50Groups)
	x, a = wideAct(r, quant.Q8_0, nb, 8, fillQ50Wide)
	return w, packed, x, a
}

// TestDotWideQ5_0 checks the repacked Q5_0 kernels against ggml's lanes
// (dotQ5_0Lanes) on the rows as stored, bit for bit.
func TestDotWideQ5_0(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(111, 112)), q50WideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 64}, {80, 9}, {64, 7}, {96, 65}, {128, 4}})
}

var q50WideFormat = wideFormat{
	pack:    q50Wide,
	block:   q5Block,
	row:     dotQ5_0Lanes,
	one:     dotWideQ5_0,
	generic: dotWideQ5_0Generic,
	two:     dotWideQ5_0Two,
}

// BenchmarkDotWideQ5_0 measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideQ5_0(b *testing.B) { benchWide(b, q50WideFormat, 64) }
