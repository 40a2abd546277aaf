package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestAxpyLanes4 checks axpyLanes4 against axpyLanes4Generic bit for bit
// at every level, on random accumulators, weights and values: F32 and F16
// caches, block tables out of order, blocks of 16 and 32 rows, caches row
// after row and by head (AllocCache), the last key-value head (and in
// heads of 128 their second half), first positions from 0 to 63 and runs
// of 1 to 37 positions.
func TestAxpyLanes4(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	for _, lv := range levels() {
		t.Run(lv.name, func(t *testing.T) {
			defer lv.set()()
			for _, tc := range []struct {
				block, kvHeads, hd, t, n int
				byHead, f16              bool // AllocCache's layout; F16 values
			}{
				{16, 2, 64, 0, 1, false, false},
				{16, 2, 64, 5, 3, true, false},
				{16, 8, 64, 63, 17, false, false},
				{16, 8, 64, 63, 17, true, false},
				{32, 1, 128, 40, 37, false, false},
				{16, 4, 128, 1, 16, true, false},
				{16, 2, 64, 5, 3, true, true},
				{16, 8, 64, 63, 17, false, true},
				{32, 1, 128, 40, 37, false, true},
				{16, 4, 128, 1, 16, true, true},
			} {
				name := fmt.Sprintf("%+v", tc)
				positions := tc.t + 64*tc.n
				blocks := (positions + tc.block - 1) / tc.block
				table := r.Perm(blocks + 3)[:blocks] // some rows of the cache unused
				tab := make([]int32, blocks)
				for i, b := range table {
					tab[i] = int32(b)
				}
				cols, es := tc.kvHeads*tc.hd, 4
				cache := f32Bytes(randRow(r, (blocks+3)*tc.block*cols))
				if tc.f16 {
					es = 2
					cache = make([]byte, 2*(blocks+3)*tc.block*cols)
					if err := quant.Quantize(quant.F16, cache, randRow(r, (blocks+3)*tc.block*cols)); err != nil {
						t.Fatal(err)
					}
				}
				const lanes, span = 64 * 128, 4096
				kvh, part := tc.kvHeads-1, tc.hd-64
				acc := randRow(r, 4*lanes)
				want := append([]float32(nil), acc...)
				w := randRow(r, 4*span)
				var kv kvLayout
				if tc.byHead {
					kv = kvLayout{bs: tc.block, hd: tc.hd}
				}
				head, stride := kv.head(0, kvh, tc.hd, es*cols, es)
				mk := func(a []float32) laneOps {
					return laneOps{acc: a[3*128:], accStride: lanes, v: cache, vOff: head + es*part, blockSize: tc.block * es * cols,
						rowStride: stride, width: 64, table: tab, shift: int(math.Log2(float64(tc.block))), maxPos: positions - 1, w: w, wStride: span, f16: tc.f16}
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
