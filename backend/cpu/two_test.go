package cpu

import (
	"math/rand/v2"
	"testing"
)

// The two-stream one-token kernels (kernel.rowsTwo): each run of rows they
// read together must come out as the one-run reference computes it.

// TestDotWideQ4_0Two checks the two-stream 16-row group kernel against the
// one-token Go reference on each of its two runs, bit for bit, at every
// level, on odd block counts (where AVX-512 VNNI runs, as four streams
// with an odd last group by the two-stream kernel: groups/2 = 0, 1, 1, 0, 2).
func TestDotWideQ4_0Two(t *testing.T) {
	testDotWideQ4_0Two(t)
}

func testDotWideQ4_0Two(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{16, 1}, {32, 3}, {48, 7}, {16, 64}, {80, 65}} {
				rows, nb := sz[0], sz[1]
				_, packed, _, a := q4Wide(r, 2*rows, nb)
				half := rows * nb * q4Block
				got := make([]float32, 2*rows)
				dotWideQ4_0Two(got[:rows], got[rows:], packed[:half], packed[half:], nb, a)
				want := make([]float32, 2*rows)
				dotWideQ4_0Generic(want, packed, nb, a)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=2×%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestDotRowsQ8_0Two checks the two-stream Q8_0 kernel against the
// one-row Go reference on each of its two runs, bit for bit, at every
// level, on odd sizes and padded rows (where AVX-512 runs, as four streams
// with an odd last row by the two-stream kernel: rows/2 = 0, 1, 3, 8, 2).
func TestDotRowsQ8_0Two(t *testing.T) {
	testDotRowsQ8_0Two(t)
}

func testDotRowsQ8_0Two(t *testing.T) {
	r := rand.New(rand.NewPCG(73, 74))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 5}, {7, 9, 0}, {16, 64, 3}, {5, 65, 1}} {
				rows, nb, pad := sz[0], sz[1], sz[2]
				w, stride, x := q8Rows(r, 2*rows, nb, pad)
				if rows == 5 { // the extremes: weights of -128 (w+128 = 0 in the 512-bit kernel) and ±127
					for i := range 2 * rows {
						for b := range nb {
							q := w[i*stride+b*q8Block+2:][:32]
							q[(i+b)%32], q[(i+3*b+5)%32], q[(2*i+b+9)%32] = 0x80, 127, 0x81
						}
					}
					for b := range nb {
						x[b*q8Block+2+b%32], x[b*q8Block+2+(b+7)%32] = 127, 0x81
					}
				}
				got := make([]float32, 2*rows)
				dotRowsQ8_0Two(got[:rows], got[rows:], w, w[rows*stride:], stride, x, nb)
				want := make([]float32, 2*rows)
				dotRowsQ8_0Generic(want, w, stride, x, nb)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=2×%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want[i])
					}
				}
			}
		})
	}
}
