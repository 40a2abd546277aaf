package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSVShort checks svShort against svShortGeneric bit for bit at every
// level, cut at rem as svShortGroup cuts it, for every count of positions
// up to svShortMax and heads of 16, 64 and 80 floats: the rows of
// positions past the count hold NaNs, which a row read or weighed would
// carry into the output.
func TestSVShort(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	for _, lv := range levels() {
		t.Run(lv.name, func(t *testing.T) {
			defer lv.set()()
			for _, hd := range []int{16, 64, 80} {
				for count := 1; count <= svShortMax; count++ {
					sv, want := shortOps(r, hd, count), make([]float32, 16*hd)
					copy(want, sv.u)
					ref := *sv
					ref.u = want
					full, rem := count/16, count%16
					if rem > 0 {
						svShort(sv, 0, rem, full+1)
						svShortGeneric(&ref, 0, rem, full+1)
					}
					if full > 0 {
						svShort(sv, rem, 16, full)
						svShortGeneric(&ref, rem, 16, full)
					}
					for i := range want {
						if math.Float32bits(sv.u[i]) != math.Float32bits(want[i]) {
							t.Fatalf("hd %d, %d positions: u[%d] = %g, want %g", hd, count, i, sv.u[i], want[i])
						}
					}
				}
			}
		})
	}
}

// TestSVShortFold checks that svShortGeneric's 16 rows, folded
// (foldLanes), give what the block-by-block order gives: each position's
// row added into lane row t mod 64 (axpyRowsGeneric), the used rows
// folded. The values and weights include zeros of both signs, whose sums'
// signs the two orders must agree on.
func TestSVShortFold(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, hd := range []int{16, 64} {
		for count := 1; count <= svShortMax; count++ {
			name := fmt.Sprintf("hd %d, %d positions", hd, count)
			sv := shortOps(r, hd, count)
			for _, s := range [][]float32{sv.w[:count]} {
				for i := range s {
					switch r.IntN(8) {
					case 0:
						s[i] = 0
					case 1:
						s[i] = float32(math.Copysign(0, -1))
					}
				}
			}
			for k := range sv.m {
				for i := range sv.segs[k] {
					if i/hd+16*k < count && r.IntN(4) == 0 {
						sv.segs[k][i] = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
					}
				}
			}
			clear(sv.u)
			full, rem := count/16, count%16
			if rem > 0 {
				svShortGeneric(sv, 0, rem, full+1)
			}
			if full > 0 {
				svShortGeneric(sv, rem, 16, full)
			}
			got := make([]float32, hd)
			foldLanes(got, sv.u, hd, vecStep, 16)

			acc, want := make([]float32, vecStep*hd), make([]float32, hd)
			v := make([]float32, count*hd)
			for t := range count {
				copy(v[t*hd:], sv.segs[t/16][t%16*hd:][:hd])
			}
			axpyRowsGeneric(acc, hd, vecStep-1, 0, v, hd, sv.w[:count])
			foldLanes(want, acc, hd, vecStep, min(count, vecStep))
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: o[%d] = %g (%#x), want %g (%#x)", name, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}
	}
}

// shortOps returns random operands of a short softmax·V of count positions
// with heads of hd floats: the rows and weights of positions past count
// NaN, u random (svShort overwrites it).
func shortOps(r *rand.Rand, hd, count int) *svShortOps {
	sv := &svShortOps{hd: hd, m: 1, u: randRow(r, 16*hd), w: randRow(r, svShortMax)}
	for 16*sv.m < count {
		sv.m *= 2
	}
	nan := float32(math.NaN())
	for i := count; i < len(sv.w); i++ {
		sv.w[i] = nan
	}
	for k := range sv.m {
		sv.segs[k] = randRow(r, 16*hd)
		for i := range sv.segs[k] {
			if i/hd+16*k >= count {
				sv.segs[k][i] = nan
			}
		}
	}
	return sv
}
