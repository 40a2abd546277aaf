package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q3KWide makes rows (a multiple of 16) of nb random Q3_K blocks, their
// 16-row groups, a Q8_K activation row and its q4Act (fillQ3KWide). Every
// tenth row's blocks are all levels 7 (+3) with the scales −32 and 31 in
// turn.
func q3KWide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, packed = wideRows(r, quant.Q3_K, rows, nb, q3KExtreme, repackQ3KGroups)
	x, a = wideAct(r, quant.Q8_K, nb, q3KRecs, fillQ3KWide)
	return w, packed, x, a
}

// q3KExtreme sets a Q3_K block's levels to 7 and its scales to −32 (even
// sub-blocks) and 31 (odd).
func q3KExtreme(blk []byte) {
	for j := range 96 {
		blk[j] = 0xff
	}
	// 6-bit values 0 (−32) and 63 (31): low nibbles of bytes 0-7 for
	// sub-blocks 0-7, high nibbles for 8-15, top two bits in bytes 8-11.
	for j := range 16 {
		u := byte(63 * (j % 2))
		lo, hi := &blk[96+j%8], &blk[96+8+j%4]
		sh := 4 * (j / 8)
		*lo = *lo&^(15<<sh) | (u&15)<<sh
		sh = 2 * (j / 4)
		*hi = *hi&^(3<<sh) | (u>>4)<<sh
	}
}

// TestQ3KExtreme checks q3KExtreme's scales and the repacked scales'
// round trip.
func TestQ3KExtreme(t *testing.T) {
	blk := make([]byte, q3KBlock)
	q3KExtreme(blk)
	dw := q3KPackScales(blk[96:108])
	for j := range 16 {
		want := int32(-32 + 63*(j%2))
		if got := q3KScaleOf(blk[96:108], j); got != want {
			t.Fatalf("sub-block %d: scale %d, want %d", j, got, want)
		}
		if got := q3KWideScale(dw, j); got != want {
			t.Fatalf("sub-block %d: repacked scale %d, want %d", j, got, want)
		}
	}
	r := rand.New(rand.NewPCG(131, 132))
	for range 100 {
		for i := range blk {
			blk[i] = byte(r.IntN(256))
		}
		dw := q3KPackScales(blk[96:108])
		for j := range 16 {
			if got, want := q3KWideScale(dw, j), q3KScaleOf(blk[96:108], j); got != want {
				t.Fatalf("sub-block %d: repacked scale %d, want %d", j, got, want)
			}
		}
		for e := range 32 {
			p := q3KPack(blk, e)
			for g := range 8 {
				if got, want := q3KUnpack(p, g), int32(q3KLevel(blk, g, e)); got != want {
					t.Fatalf("element %d of group %d: level %d, want %d", e, g, got, want)
				}
			}
		}
	}
}

// TestDotWideQ3_K checks the repacked Q3_K kernels against ggml's lanes
// (dotQ3_KLanes, the row kernels' order) on the rows as stored.
func TestDotWideQ3_K(t *testing.T) {
	testWide(t, rand.New(rand.NewPCG(133, 134)), q3KWideFormat, [][2]int{{16, 2}, {32, 4}, {48, 2}, {16, 8}, {80, 6}, {64, 2}, {96, 4}, {16, 1}, {32, 3}, {48, 5}, {64, 1}, {32, 35}})
}

var q3KWideFormat = wideFormat{
	pack:    q3KWide,
	block:   q3KBlock,
	row:     dotQ3_KLanes,
	one:     dotWideQ3_K,
	generic: dotWideQ3_KGeneric,
	two:     dotWideQ3_KTwo,
}

// BenchmarkDotWideQ3_K measures the one-run kernel on 256 rows of 2048.
func BenchmarkDotWideQ3_K(b *testing.B) { benchWide(b, q3KWideFormat, 8) }
