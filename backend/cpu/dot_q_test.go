package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// q8Rows makes rows of nb random Q8_0 blocks, stride bytes apart (with
// junk between rows), and one random Q8_0 activation row.
func q8Rows(r *rand.Rand, rows, nb, pad int) (w []byte, stride int, x []byte) {
	stride = nb*q8Block + pad
	w = make([]byte, rows*stride)
	for i := range w {
		w[i] = byte(r.IntN(256))
	}
	for i := range rows {
		if err := quant.Quantize(quant.Q8_0, w[i*stride:i*stride+nb*q8Block], randRow(r, nb*32)); err != nil {
			panic(err)
		}
	}
	x = make([]byte, nb*q8Block)
	if err := quantizeActivations(quant.Q8_0, x, randRow(r, nb*32)); err != nil {
		panic(err)
	}
	return w, stride, x
}

func TestDotRowsQ8_0(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 5}, {7, 9, 0}, {16, 64, 3}, {5, 65, 1}} {
				rows, nb, pad := sz[0], sz[1], sz[2]
				w, stride, x := q8Rows(r, rows, nb, pad)
				got := make([]float32, rows)
				want := make([]float32, rows)
				dotRowsQ8_0(got, w, stride, x, nb)
				dotRowsQ8_0Generic(want, w, stride, x, nb)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want[i])
					}
				}
			}
		})
	}
}

func BenchmarkDotRowsQ8_0(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, nb = 256, 64 // 256 rows of 2048
	w, stride, x := q8Rows(r, rows, nb, 0)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				dotRowsQ8_0(out, w, stride, x, nb)
			}
		})
	}
}

// q4Groups makes rows (a multiple of 8) of nb random Q4_0 blocks, their
// repacked form and a random activation row.
func q4Groups(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w = make([]byte, rows*nb*q4Block)
	for i := range rows {
		if err := quant.Quantize(quant.Q4_0, w[i*nb*q4Block:(i+1)*nb*q4Block], randRow(r, nb*32)); err != nil {
			panic(err)
		}
	}
	x = make([]byte, nb*q8Block)
	if err := quantizeActivations(quant.Q8_0, x, randRow(r, nb*32)); err != nil {
		panic(err)
	}
	a = &q4Act{}
	a.fill(x, make([]int32, nb), make([]float32, nb))
	return w, repackQ4_0(make([]byte, len(w)), w, rows, nb), x, a
}

// q4Wide is q4Groups with rows (a multiple of 16) repacked in 16-row groups.
func q4Wide(r *rand.Rand, rows, nb int) (w, packed []byte, x []byte, a *q4Act) {
	w, _, x, a = q4Groups(r, rows, nb)
	packed = make([]byte, len(w))
	repackGroups(packed, w, 0, rows/q4WideRows, nb, q4WideRows)
	return w, packed, x, a
}

// TestDotWideQ4_0 checks the 16-row group kernels against the one-row
// reference (ggml's repacked order), bit for bit.
func TestDotWideQ4_0(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{16, 1}, {32, 3}, {48, 7}, {16, 64}, {80, 65}} {
				rows, nb := sz[0], sz[1]
				w, packed, x, a := q4Wide(r, rows, nb)
				got := make([]float32, rows)
				dotWideQ4_0(got, packed, nb, a)
				for i := range got {
					want := dotBlocks(nb, q4Block, w[i*nb*q4Block:], x, q4Vals)
					if got[i] != want {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want)
					}
				}
			}
		})
	}
}

func BenchmarkDotWideQ4_0(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, nb = 256, 64
	_, packed, _, a := q4Wide(r, rows, nb)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(packed)))
			for b.Loop() {
				dotWideQ4_0(out, packed, nb, a)
			}
		})
	}
}

func TestDotGroupsQ4_0(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{8, 1}, {16, 3}, {24, 7}, {8, 64}, {40, 65}} {
				rows, nb := sz[0], sz[1]
				w, packed, x, a := q4Groups(r, rows, nb)
				got := make([]float32, rows)
				dotGroupsQ4_0(got, packed, nb, a)
				for i := range got {
					want := dotBlocks(nb, q4Block, w[i*nb*q4Block:], x, q4Vals)
					if got[i] != want {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want)
					}
				}
			}
		})
	}
}

func BenchmarkDotGroupsQ4_0(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, nb = 256, 64
	_, packed, _, a := q4Groups(r, rows, nb)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(packed)))
			for b.Loop() {
				dotGroupsQ4_0(out, packed, nb, a)
			}
		})
	}
}
