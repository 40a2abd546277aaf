package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// tq1Wide makes rows (a multiple of 16) of nb random TQ1_0 blocks, their
// 16-row groups, a Q8_K activation row and its q4Act (fillTQ1Wide). Every
// tenth row's packed bytes are all 0xff (past the largest a block packs).
func tq1Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.TQ1_0, rows, nb, func(blk []byte) {
		for j := range 52 {
			blk[j] = 0xff
		}
	}, repackTQ1Groups)
	x, a = wideAct(r, quant.Q8_K, nb, 8, fillTQ1Wide)
	return w, packed, x, a
}

// TestDotWideTQ1_0 checks the repacked TQ1_0 kernels against ggml's lanes
// (dotTQ1_0Lanes) on the rows as stored, bit for bit.
func TestDotWideTQ1_0(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(127, 128)), tq1WideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 8}, {80, 9}, {64, 7}, {96, 5}, {128, 4}})
}

var tq1WideFormat = wideFormat{
	pack:    tq1Wide,
	block:   tq1Block,
	row:     dotTQ1_0Lanes,
	one:     dotWideTQ1_0,
	generic: dotWideTQ1_0Generic,
	two:     dotWideTQ1_0Two,
}

// BenchmarkDotWideTQ1_0 measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideTQ1_0(b *testing.B) { benchWide(b, tq1WideFormat, 8) }

// TestTritCompares checks the identity the repacked kernels take a trit
// by: ggml's (3q) >> 8 is [q ≥ 86] + [q ≥ 171] for every byte q.
func TestTritCompares(t *testing.T) {
	for q := range 256 {
		var c int32
		if q >= 86 {
			c++
		}
		if q >= 171 {
			c++
		}
		if got := tq1Trit(uint8(q), 0); got != c {
			t.Fatalf("q=%d: (3q)>>8 = %d, the compares %d", q, got, c)
		}
	}
}
