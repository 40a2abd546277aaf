package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAxpyLanes4 checks axpyLanes4 against axpyLanes4Generic bit for bit
// at every level, on random accumulators, weights and values: block tables
// out of order, blocks of 16 and 32 rows, caches row after row and by head
// (AllocCache), the last key-value head (and in heads of 128 their second
// half), first positions from 0 to 63 and runs of 1 to 37 positions.
func TestAxpyLanes4(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	for _, lv := range levels() {
		t.Run(lv.name, func(t *testing.T) {
			defer lv.set()()
			for _, tc := range []struct {
				block, kvHeads, hd, t, n int
				byHead                   bool // AllocCache's layout
			}{
				{16, 2, 64, 0, 1, false},
				{16, 2, 64, 5, 3, true},
				{16, 8, 64, 63, 17, false},
				{16, 8, 64, 63, 17, true},
				{32, 1, 128, 40, 37, false},
				{16, 4, 128, 1, 16, true},
			} {
				name := fmt.Sprintf("%+v", tc)
				positions := tc.t + 64*tc.n
				blocks := (positions + tc.block - 1) / tc.block
				table := r.Perm(blocks + 3)[:blocks] // some rows of the cache unused
				tab := make([]int32, blocks)
				for i, b := range table {
					tab[i] = int32(b)
				}
				cols := tc.kvHeads * tc.hd
				cache := f32Bytes(randRow(r, (blocks+3)*tc.block*cols))
				const lanes, span = 64 * 128, 4096
				kvh, part := tc.kvHeads-1, tc.hd-64
				acc := randRow(r, 4*lanes)
				want := append([]float32(nil), acc...)
				w := randRow(r, 4*span)
				var kv kvLayout
				if tc.byHead {
					kv = kvLayout{bs: tc.block, hd: tc.hd}
				}
				head, stride := kv.head(0, kvh, tc.hd, 4*cols, 4)
				mk := func(a []float32) laneOps {
					return laneOps{acc: a[3*128:], accStride: lanes, v: cache, vOff: head + 4*part, blockSize: tc.block * 4 * cols,
						rowStride: stride, width: 64, table: tab, shift: int(math.Log2(float64(tc.block))), maxPos: positions - 1, w: w, wStride: span}
				}
				lg, lw := mk(acc), mk(want)
				axpyLanes4(&lg, tc.t, tc.n)
				axpyLanes4Generic(&lw, tc.t, tc.n)
				for i := range acc {
					if math.Float32bits(acc[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: acc[%d] = %g, want %g", name, i, acc[i], want[i])
					}
				}
			}
		})
	}
}
