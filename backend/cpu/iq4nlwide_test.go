package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// iq4nlWide makes rows (a multiple of 16) of nb random IQ4_NL blocks,
// their 16-row groups, a Q8_0 activation row and its q4Act
// (fillIQ4NLWide). Every tenth row's indices are all 15 (the top level).
func iq4nlWide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.IQ4_NL, rows, nb, func(blk []byte) {
		for j := 2; j < iq4nlBlock; j++ {
			blk[j] = 0xff
		}
	}, repackIQ4NLGroups)
	x, a = wideAct(r, quant.Q8_0, nb, 8, fillIQ4NLWide)
	return w, packed, x, a
}

// TestDotWideIQ4_NL checks the repacked IQ4_NL kernels against ggml's
// order (dotIQ4_NLLanes) on the rows as stored, bit for bit: odd and even
// numbers of blocks, so an odd last block's sum too.
func TestDotWideIQ4_NL(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(123, 124)), iq4nlWideFormat, [][2]int{{16, 1}, {32, 2}, {48, 3}, {16, 64}, {80, 9}, {64, 7}, {96, 65}, {128, 4}})
}

var iq4nlWideFormat = wideFormat{
	pack:    iq4nlWide,
	block:   iq4nlBlock,
	row:     dotIQ4_NLLanes,
	one:     dotWideIQ4_NL,
	generic: dotWideIQ4_NLGeneric,
	two:     dotWideIQ4_NLTwo,
}

// BenchmarkDotWideIQ4_NL measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideIQ4_NL(b *testing.B) { benchWide(b, iq4nlWideFormat, 64) }
