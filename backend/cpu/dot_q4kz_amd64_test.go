//go:build amd64 && gc && !purego

package cpu

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestDotQ4_KRec checks the 512-bit Q4_K kernel (activations also as
// records) against the lane-ordered Go reference, bit for bit, at every
// level (the levels without it take dotRowsQ4_K), on odd sizes and padded
// rows.
func TestDotQ4_KRec(t *testing.T) {
	r := rand.New(rand.NewPCG(69, 70))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 7}, {9, 8, 0}, {4, 32, 3}, {5, 3, 144}} {
				rows, nb, pad := sz[0], sz[1], sz[2]
				w, stride, x := kRows(t, r, quant.Q4_K, q4KBlock, rows, nb, pad)
				rec := make([]byte, nb*q4kRecord)
				for i := range rec {
					rec[i] = byte(r.IntN(256)) // fillQ4K must write all the kernel reads
				}
				fillQ4K(rec, x, nb)
				got := make([]float32, rows)
				dotRowsQ4_KRec(got, w, stride, x, rec, nb)
				for i := range rows {
					if want := dotQ4_KLanes(nb, w[i*stride:], x); got[i] != want {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want)
					}
				}
			}
		})
	}
}

// TestDotQ4_KRecTwo checks the two-stream Q4_K kernel (testTwoRuns), with
// and without GFNI where the machine has it, as two streams and as four
// (q4kFour; rows/2 = 0, 1, 4, 2, 2, odd last rows by the two-run kernel).
func TestDotQ4_KRecTwo(t *testing.T) {
	type mode struct{ gfni, four bool }
	modes := []mode{{false, false}, {false, true}}
	if useGFNI {
		modes = append(modes, mode{true, false}, mode{true, true})
	}
	for _, m := range modes {
		t.Run(fmt.Sprintf("gfni=%t/four=%t", m.gfni, m.four), func(t *testing.T) {
			defer func(g, f bool) { useGFNI, q4kFour = g, f }(useGFNI, q4kFour)
			useGFNI, q4kFour = m.gfni, m.four
			testTwoRuns(t, quant.Q4_K, q4KBlock, dotQ4_KLanes, func(outA, outB []float32, w []byte, dist, stride int, x []byte, nb int) {
				rec := make([]byte, nb*q4kRecord)
				fillQ4K(rec, x, nb)
				dotRowsQ4_KRecTwo(outA, outB, w, w[dist:], stride, x, rec, nb)
			})
			// the second run before the first (the asm takes them swapped)
			testTwoRuns(t, quant.Q4_K, q4KBlock, dotQ4_KLanes, func(outA, outB []float32, w []byte, dist, stride int, x []byte, nb int) {
				rec := make([]byte, nb*q4kRecord)
				fillQ4K(rec, x, nb)
				dotRowsQ4_KRecTwo(outB, outA, w[dist:], w, stride, x, rec, nb)
			})
		})
	}
}

// testTwoRuns checks a two-stream one-token kernel (two(outA, outB, w,
// dist, …): the rows at w into outA beside those dist bytes further into
// outB) against the lane-ordered Go reference ref on each of its two runs,
// bit for bit, at every level, on odd sizes, padded rows (pad bytes) and
// runs with gap rows between them.
func testTwoRuns(t *testing.T, typ quant.Type, block int, ref func(nb int, w, x []byte) float32, two func(outA, outB []float32, w []byte, dist, stride int, x []byte, nb int)) {
	r := rand.New(rand.NewPCG(uint64(typ), 78))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][4]int{{1, 1, 0, 0}, {3, 2, 7, 1}, {9, 8, 0, 0}, {4, 32, 3, 5}, {5, 3, 144, 2}} {
				rows, nb, pad, gap := sz[0], sz[1], sz[2], sz[3]
				w, stride, x := kRows(t, r, typ, block, 2*rows+gap, nb, pad)
				got := make([]float32, 2*rows)
				h := rows + gap
				two(got[:rows], got[rows:], w, h*stride, stride, x, nb)
				for i := range got {
					row := i
					if i >= rows {
						row = h + i - rows
					}
					if want := ref(nb, w[row*stride:], x); got[i] != want {
						t.Fatalf("%s rows=2×%d nb=%d gap=%d: output %d (row %d) = %g, want %g", typ, rows, nb, gap, i, row, got[i], want)
					}
				}
			}
		})
	}
}

func BenchmarkDotRowsQ4_KRec(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 5))
	const rows, nb = 256, 8 // 256 rows of 2048
	w, stride, x := kRows(b, r, quant.Q4_K, q4KBlock, rows, nb, 0)
	rec := make([]byte, nb*q4kRecord)
	fillQ4K(rec, x, nb)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				dotRowsQ4_KRec(out, w, stride, x, rec, nb)
			}
		})
	}
}

// TestFillRecords checks fillQ4K and fillTQ2 against their Go forms byte
// for byte, every byte of the records (garbage before), at every level, on
// random Q8_K blocks and on blocks of the extreme sums (every bsums pair
// -32768 with -32768 or 32767: sums that wrap in 16 bits for Q4_K's).
func TestFillRecords(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	for _, f := range []struct {
		name          string
		record        int
		fill, generic func(rec, x []byte, nb int)
	}{
		{"Q4_K", q4kRecord, fillQ4K, fillQ4KGeneric},
		{"TQ2_0", tq2Record, fillTQ2, fillTQ2Generic},
	} {
		for _, l := range levels() {
			t.Run(f.name+"/"+l.name, func(t *testing.T) {
				defer l.set()()
				for _, nb := range []int{1, 2, 7, 32} {
					x := make([]byte, nb*q8KBlock)
					for i := range x {
						x[i] = byte(r.Uint32())
					}
					for j := 260; j < q8KBlock; j += 4 { // the first block's sums at the extremes
						binary.LittleEndian.PutUint16(x[j:], 0x8000)
						binary.LittleEndian.PutUint16(x[j+2:], uint16(0x8000+r.IntN(2)*0x7fff))
					}
					got, want := make([]byte, nb*f.record), make([]byte, nb*f.record)
					for i := range got {
						got[i], want[i] = byte(r.Uint32()), byte(r.Uint32())
					}
					f.fill(got, x, nb)
					f.generic(want, x, nb)
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("nb=%d: byte %d (block %d, offset %d) = %#x, want %#x", nb, i, i/f.record, i%f.record, got[i], want[i])
						}
					}
				}
			})
		}
	}
}
