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
}
