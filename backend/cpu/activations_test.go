package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestQ8Activations checks the Q8_0 activation quantizer at every level
// against q8Quantize block by block: random blocks at magnitudes from
// subnormal to huge, zero blocks, a lone value, and halfway cases (amax
// 127 makes id 1, so x.5 must round to even).
func TestQ8Activations(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	block := func(kind int) []float32 {
		x := make([]float32, 32)
		switch kind {
		case 0: // zeros, one of them negative
			x[5] = float32(math.Copysign(0, -1))
		case 1: // a lone value
			x[r.IntN(32)] = float32(r.NormFloat64())
		case 2: // halves
			x[0] = 127
			for i := 1; i < 32; i++ {
				x[i] = float32(r.IntN(254)-127) + 0.5*float32(r.IntN(2))
			}
		default:
			scale := []float64{1e-42, 1e-38, 1e-20, 1e-3, 1, 1e20, 1e38}[r.IntN(7)]
			for i := range x {
				x[i] = float32(r.NormFloat64() * scale)
			}
		}
		return x
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, nb := range []int{1, 3, 64, 65, 130} {
				src := make([]float32, 0, 32*nb)
				for range nb {
					src = append(src, block(r.IntN(6))...)
				}
				got := make([]byte, nb*q8Block)
				q8x86(false, got, src)
				want := make([]byte, q8Block)
				for b := range nb {
					q8Quantize(false, want, src[b*32:(b+1)*32])
					if g := got[b*q8Block : (b+1)*q8Block]; string(g) != string(want) {
						t.Fatalf("nb=%d block %d (%v): got %v, want %v", nb, b, src[b*32:(b+1)*32], g, want)
					}
				}
			}
		})
	}
}

// BenchmarkQ8Activations quantizes a row of 2048 and one of 8192 (bytes/s
// of float32 read).
func BenchmarkQ8Activations(b *testing.B) {
	r := rand.New(rand.NewPCG(35, 36))
	for _, k := range []int{2048, 8192} {
		src := randRow(r, k)
		dst := make([]byte, k/32*q8Block)
		for _, l := range levels() {
			b.Run(fmt.Sprintf("%d/%s", k, l.name), func(b *testing.B) {
				defer l.set()()
				b.SetBytes(int64(4 * k))
				for b.Loop() {
					q8x86(false, dst, src)
				}
			})
		}
	}
}
