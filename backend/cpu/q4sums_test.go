package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFillQ4Act checks fillQ4Act against q4Act.fill on random activation
// blocks (every byte value among the quants, extremes included) and on
// blocks of all 127 and all -128.
func TestFillQ4Act(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	for _, nb := range []int{1, 3, 64, 257} {
		q := make([]byte, nb*q8Block)
		for i := range q {
			q[i] = byte(r.Uint32())
		}
		for j := range q8Block - 2 { // the first block at the extremes of int8
			q[2+j] = 0x80
			if nb > 1 {
				q[q8Block+2+j] = 0x7f
			}
		}
		var want, got q4Act
		want.fill(q, make([]int32, nb), make([]float32, nb))
		fillQ4Act(&got, q, make([]int32, nb), make([]float32, nb))
		for b := range nb {
			nan := got.d[b] != got.d[b] && want.d[b] != want.d[b] // random scales: F16C quiets NaNs
			if got.bias[b] != want.bias[b] || math.Float32bits(got.d[b]) != math.Float32bits(want.d[b]) && !nan {
				t.Fatalf("nb=%d block %d: bias %d, d %g; want %d, %g", nb, b, got.bias[b], got.d[b], want.bias[b], want.d[b])
			}
		}
	}
}

// TestQuantizeQ4Act checks quantizeQ4Act against q8x86 then fillQ4Act,
// bit for bit, at every kernel level, on random rows of 1 to 257 blocks
// (across the vector form's chunks) whose blocks are scaled from 1e-45 to
// 1e38, with blocks of zeros, of subnormal, huge and infinite scales, of
// -0 and of NaN, the redone blocks among them.
func TestQuantizeQ4Act(t *testing.T) {
	r := rand.New(rand.NewPCG(75, 76))
	scales := []float32{1, 1e-3, 1e3, 1e-30, 1e-38, 1e-40, 1e-45, 6e4, 7e4, 1e6, 1e30, 1e38}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, nb := range []int{1, 2, 63, 64, 65, 129, 257} {
				src := randRow(r, nb*32)
				for b := range nb {
					blk := src[b*32 : (b+1)*32]
					switch c := r.IntN(16); {
					case c == 0:
						clear(blk)
					case c == 1:
						for j := range blk {
							blk[j] = float32(math.Copysign(0, -1))
						}
					case c == 2:
						blk[r.IntN(32)] = float32(math.NaN())
					case c == 3:
						blk[r.IntN(32)] = float32(math.Inf(1 - 2*r.IntN(2)))
					default:
						s := scales[r.IntN(len(scales))]
						for j := range blk {
							blk[j] *= s
						}
					}
				}
				wq := make([]byte, nb*q8Block)
				var want, got q4Act
				q8x86(false, wq, src)
				fillQ4Act(&want, wq, make([]int32, nb), make([]float32, nb))
				gq := make([]byte, nb*q8Block)
				quantizeQ4Act(&got, gq, src, make([]int32, nb), make([]float32, nb))
				for b := range nb {
					for j := range q8Block {
						if i := b*q8Block + j; gq[i] != wq[i] {
							t.Fatalf("%d blocks: block %d byte %d = %#x, want %#x", nb, b, j, gq[i], wq[i])
						}
					}
					if got.bias[b] != want.bias[b] || math.Float32bits(got.d[b]) != math.Float32bits(want.d[b]) {
						t.Fatalf("%d blocks: block %d bias %d, d %g; want %d, %g", nb, b, got.bias[b], got.d[b], want.bias[b], want.d[b])
					}
				}
				if &got.q[0] != &gq[0] || len(got.bias) != nb || len(got.d) != nb {
					t.Fatalf("%d blocks: q4Act not set to the converted row", nb)
				}
			}
		})
	}
}

func BenchmarkFillQ4Act(b *testing.B) {
	r := rand.New(rand.NewPCG(73, 74))
	const nb = 256
	q := make([]byte, nb*q8Block)
	for i := range q {
		q[i] = byte(r.Uint32())
	}
	bias, d := make([]int32, nb), make([]float32, nb)
	var a q4Act
	b.Run("fill", func(b *testing.B) {
		for b.Loop() {
			a.fill(q, bias, d)
		}
	})
	b.Run("words", func(b *testing.B) {
		for b.Loop() {
			fillQ4Act(&a, q, bias, d)
		}
	})
	// and with the conversion: two passes, and one (quantizeQ4Act)
	src := randRow(r, nb*32)
	b.Run("convert+words", func(b *testing.B) {
		for b.Loop() {
			q8x86(false, q, src)
			fillQ4Act(&a, q, bias, d)
		}
	})
	b.Run("one-pass", func(b *testing.B) {
		for b.Loop() {
			quantizeQ4Act(&a, q, src, bias, d)
		}
	})
}
