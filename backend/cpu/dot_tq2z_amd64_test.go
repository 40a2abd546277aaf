//go:build amd64 && gc && !purego

package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestDotTQ2_0Rec checks the 512-bit TQ2_0 kernel (activations as records)
// against the lane-ordered Go reference, bit for bit, at every level (the
// levels without it take dotRowsTQ2_0), on odd sizes and padded rows.
func TestDotTQ2_0Rec(t *testing.T) {
	r := rand.New(rand.NewPCG(67, 68))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 7}, {9, 8, 0}, {4, 32, 3}, {5, 3, 66}} {
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
				rec := make([]byte, nb*tq2Record)
				for i := range rec {
					rec[i] = byte(r.IntN(256)) // fillTQ2 must write all the kernel reads
				}
				fillTQ2(rec, x, nb)
				got := make([]float32, rows)
				dotRowsTQ2_0Rec(got, w, stride, rec, x, nb)
				for i := range rows {
					if want := dotTQ2_0Lanes(nb, w[i*stride:], x); got[i] != want {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want)
					}
				}
			}
		})
	}
}

func BenchmarkDotRowsTQ2_0Rec(b *testing.B) {
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
	rec := make([]byte, nb*tq2Record)
	fillTQ2(rec, x, nb)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				dotRowsTQ2_0Rec(out, w, stride, rec, x, nb)
			}
		})
	}
}

// TestDotTQ2_0RecTwo checks the two-stream TQ2_0 kernel (testTwoRuns),
// with and without GFNI where the machine has it, and with GFNI as two
// streams and as four (tq2Four).
func TestDotTQ2_0RecTwo(t *testing.T) {
	type mode struct{ gfni, four bool }
	modes := []mode{{false, false}}
	if useGFNI {
		modes = append(modes, mode{true, false}, mode{true, true})
	}
	for _, m := range modes {
		t.Run(fmt.Sprintf("gfni=%t/four=%t", m.gfni, m.four), func(t *testing.T) {
			defer func(g, f bool) { useGFNI, tq2Four = g, f }(useGFNI, tq2Four)
			useGFNI, tq2Four = m.gfni, m.four
			testTwoRuns(t, quant.TQ2_0, tq2Block, dotTQ2_0Lanes, func(outA, outB []float32, w []byte, dist, stride int, x []byte, nb int) {
				rec := make([]byte, nb*tq2Record)
				fillTQ2(rec, x, nb)
				dotRowsTQ2_0RecTwo(outA, outB, w, w[dist:], stride, rec, x, nb)
			})
		})
	}
}
