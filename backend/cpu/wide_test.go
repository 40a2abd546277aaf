package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
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

// wideRows makes rows (a multiple of 16) of nb random blocks of typ, every
// tenth row's blocks set to the format's extremes by extreme, and their
// 16-row groups (repack).
func wideRows(r *rand.Rand, typ quant.Type, rows, nb int, extreme func(blk []byte), repack func(dst, src []byte, lo, hi, nb int)) (w, packed []byte) {
	bb := typ.BlockBytes()
	rb := nb * bb
	w = make([]byte, rows*rb)
	for i := range rows {
		row := w[i*rb : (i+1)*rb]
		if err := quant.Quantize(typ, row, randRow(r, nb*typ.BlockSize())); err != nil {
			panic(err)
		}
		if i%10 == 9 {
			for b := range nb {
				extreme(row[b*bb : (b+1)*bb])
			}
		}
	}
	packed = make([]byte, len(w))
	repack(packed, w, 0, rows/q4WideRows, nb)
	return w, packed
}

// wideAct makes a random activation row of nb blocks of vt (Q8_K or
// Q8_0) and its record (recs entries a block, filled by fill).
func wideAct(r *rand.Rand, vt quant.Type, nb, recs int, fill func(a *q4Act, q []byte, nb int)) (x []byte, a *q4Act) {
	x = make([]byte, nb*vt.BlockBytes())
	if err := quantizeRow(vt, x, randRow(r, nb*vt.BlockSize())); err != nil {
		panic(err)
	}
	a = &q4Act{bias: make([]int32, recs*nb), d: make([]float32, nb)}
	fill(a, x, nb)
	return x, a
}

// testBlockOrder checks f.row, the block-by-block order's reference,
// against lanes (ggml's eight lanes) on 16 rows of each nb: the same sum,
// rounded differently, within 1e-4.
func testBlockOrder(t *testing.T, r *rand.Rand, f wideFormat, lanes func(nb int, w, x []byte) float32, nbs []int) {
	for _, nb := range nbs {
		w, _, x, _ := f.pack(r, 16, nb)
		rb := nb * f.block
		for i := range 16 {
			got, want := f.row(nb, w[i*rb:], x), lanes(nb, w[i*rb:], x)
			if math.Abs(float64(got-want)) > 1e-4*math.Max(1, math.Abs(float64(want))) {
				t.Fatalf("nb=%d row %d: %g, ggml's lanes %g", nb, i, got, want)
			}
		}
	}
}
