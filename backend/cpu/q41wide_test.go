package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q41Wide and q51Wide make rows (a multiple of 16) of nb random Q4_1 or
// Q5_1 blocks, their 16-row groups, a Q8_1 activation row and its q4Act
// (fillQ41Wide). Every tenth row's quants are all at the top level.
func q41Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	return minWide(r, quant.Q4_1, rows, nb, repackQ41Groups)
}

func q51Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	return minWide(r, quant.Q5_1, rows, nb, repackQ51Groups)
}

func minWide(r *rand.Rand, typ quant.Type, rows, nb int, repack func(dst, src []byte, lo, hi, nb int)) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, typ, rows, nb, func(blk []byte) {
		for j := 4; j < len(blk); j++ {
			blk[j] = 0xff
		}
	}, repack)
	x, a = wideAct(r, quant.Q8_1, nb, 1, fillQ41Wide)
	return w, packed, x, a
}

// TestDotWideQ4_1 and TestDotWideQ5_1 check the repacked kernels against
// ggml's lanes (dotQ4_1Lanes, dotQ5_1Lanes) on the rows as stored, bit for
// bit.
func TestDotWideQ4_1(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(117, 118)), q41WideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 64}, {80, 9}, {64, 7}, {96, 65}, {128, 4}})
}

func TestDotWideQ5_1(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(119, 120)), q51WideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 64}, {80, 9}, {64, 7}, {96, 65}, {128, 4}})
}

var (
	q41WideFormat = wideFormat{pack: q41Wide, block: q41Block, row: dotQ4_1Lanes, one: dotWideQ4_1, generic: dotWideQ4_1Generic, two: dotWideQ4_1Two}
	q51WideFormat = wideFormat{pack: q51Wide, block: q51Block, row: dotQ5_1Lanes, one: dotWideQ5_1, generic: dotWideQ5_1Generic, two: dotWideQ5_1Two}
)

// BenchmarkDotWideQ4_1 and BenchmarkDotWideQ5_1 measure the one-run
// kernels on 256 rows of 2048.
func BenchmarkDotWideQ4_1(b *testing.B) { benchWide(b, q41WideFormat, 64) }

func BenchmarkDotWideQ5_1(b *testing.B) { benchWide(b, q51WideFormat, 64) }
