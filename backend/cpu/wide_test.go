package cpu

import (
	"math/rand/v2"
	"testing"
)

// wideFormat is a format repacked in 16-row groups, for testWide: how to
// make rows and their groups, the row reference of the order its kernels
// keep, and its kernels.
type wideFormat struct {
	pack    q4Pack                            // rows as stored, their groups, activations and their record
	block   int                               // bytes of a row's block as stored
	row     func(nb int, w, x []byte) float32 // one row as stored, in the kernels' order
	one     q4Kernel                          // one run of groups
	generic q4Kernel                          // the same in Go
	two     func(outA, outB []float32, wA, wB []byte, nb int, a *q4Act)
}

// testWide checks f's kernels, one run and two runs at once (where the
// rows split into two runs of whole groups), and its Go reference against
// f.row on the rows as stored, bit for bit, at every level, for each size
// {rows, nb}: the layout, the activations' record and the kernels at once.
func testWide(t *testing.T, r *rand.Rand, f wideFormat, sizes [][2]int) {
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range sizes {
				rows, nb := sz[0], sz[1]
				w, packed, x, a := f.pack(r, rows, nb)
				rb := nb * f.block
				want := make([]float32, rows)
				for i := range want {
					want[i] = f.row(nb, w[i*rb:], x)
				}
				check := func(what string, got []float32) {
					t.Helper()
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("rows=%d nb=%d: %s: row %d = %g, want %g", rows, nb, what, i, got[i], want[i])
						}
					}
				}
				got := make([]float32, rows)
				f.one(got, packed, nb, a)
				check("one run", got)
				clear(got)
				f.generic(got, packed, nb, a)
				check("generic", got)
				if rows%32 != 0 {
					continue
				}
				h := rows / 2
				clear(got)
				f.two(got[:h], got[h:], packed[:h*rb], packed[h*rb:], nb, a)
				check("two runs", got)
			}
		})
	}
}

// benchWide measures f's one-run kernel on 256 rows of nb blocks at every
// level (bytes/s of weights).
func benchWide(b *testing.B, f wideFormat, nb int) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows = 256
	_, packed, _, a := f.pack(r, rows, nb)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(packed)))
			for b.Loop() {
				f.one(out, packed, nb, a)
			}
		})
	}
}
