package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestDotTQ2_0 checks the lane-ordered TQ2_0 reference against quant's
// generic order (within rounding) and every level against the reference
// (bit for bit), on random rows.
func TestDotTQ2_0(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 7}, {9, 8, 0}, {4, 32, 3}} {
				rows, nb, pad := sz[0], sz[1], sz[2]
				stride := nb*tq2Block + pad
				w := make([]byte, rows*stride)
				for i := range rows {
					if err := quant.Quantize(quant.TQ2_0, w[i*stride:i*stride+nb*tq2Block], randRow(r, nb*256)); err != nil {
						t.Fatal(err)
					}
				}
				x := make([]byte, nb*q8KBlock)
				if err := quant.Quantize(quant.Q8_K, x, randRow(r, nb*256)); err != nil {
					t.Fatal(err)
				}
				got := make([]float32, rows)
				dotRowsTQ2_0(got, w, stride, x, nb)
				for i := range rows {
					want := dotTQ2_0Lanes(nb, w[i*stride:], x)
					if got[i] != want {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want)
					}
					generic, err := quant.VecDot(quant.TQ2_0, nb*256, w[i*stride:i*stride+nb*tq2Block], x)
					if err != nil {
						t.Fatal(err)
					}
					if d := math.Abs(float64(want - generic)); d > 1e-4*(1+math.Abs(float64(generic))) {
						t.Fatalf("rows=%d nb=%d: row %d = %g, generic order %g", rows, nb, i, want, generic)
					}
				}
			}
		})
	}
}

func BenchmarkDotRowsTQ2_0(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 4))
	const rows, nb = 256, 8 // 256 rows of 2048
	stride := nb * tq2Block
	w := make([]byte, rows*stride)
	for i := range rows {
		if err := quant.Quantize(quant.TQ2_0, w[i*stride:(i+1)*stride], randRow(r, nb*256)); err != nil {
			b.Fatal(err)
		}
	}
	x := make([]byte, nb*q8KBlock)
	if err := quant.Quantize(quant.Q8_K, x, randRow(r, nb*256)); err != nil {
		b.Fatal(err)
	}
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				dotRowsTQ2_0(out, w, stride, x, nb)
			}
		})
	}
}
