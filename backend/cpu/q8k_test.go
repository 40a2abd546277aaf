package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestQuantizeQ8K checks the Q8_K activation quantizer against quant's
// reference byte for byte, at every level: random rows of up to 40 blocks
// (more than one pass), and blocks whose largest magnitude both signs reach
// (the first decides), all zero, subnormal, or with one huge value.
func TestQuantizeQ8K(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	special := func(kind int) []float32 {
		x := randRow(r, 256)
		switch kind {
		case 0: // -a first, then +a
			x[17], x[200] = -3, 3
		case 1: // +a first, then -a
			x[5], x[6] = 3, -3
		case 2:
			clear(x)
		case 3:
			for i := range x {
				x[i] *= 1e-40
			}
		case 4:
			x[100] = 1e30
		case 5:
			for i := range x {
				x[i] = float32(math.Abs(float64(x[i])))
			}
		}
		return x
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, nb := range []int{1, 2, 8, 32, 33, 40} {
				x := randRow(r, nb*256)
				for b := range min(nb, 6) {
					copy(x[256*b:], special(b))
				}
				want := make([]byte, nb*q8KBlock)
				if err := quant.Quantize(quant.Q8_K, want, x); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, nb*q8KBlock)
				for i := range got {
					got[i] = byte(r.IntN(256)) // every byte must be written
				}
				if err := quantizeQ8K(got, x); err != nil {
					t.Fatal(err)
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("nb=%d: byte %d (block %d, offset %d) = %#x, want %#x", nb, i, i/q8KBlock, i%q8KBlock, got[i], want[i])
					}
				}
			}
		})
	}
}

func BenchmarkQuantizeQ8K(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 7))
	x := randRow(r, 8192)
	dst := make([]byte, 32*q8KBlock)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				if err := quantizeQ8K(dst, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
