package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// The Q5_0 kernels must equal the one-row path (rowDotFor), which the model
// tests hold to llama.cpp's logits.
var q50Format = rowFormat{typ: quant.Q5_0, rows: dotRowsQ5_0, rows4: dotRowsQ5_0x4, ref: dotQ5_0Lanes, tol: 1e-4}

func TestDotQ5_0(t *testing.T)          { testRowFormat(t, q50Format, 50) }
func TestMatMulQ5_0(t *testing.T)       { testFormatMatMul(t, q50Format, 50) }
func BenchmarkDotRowsQ5_0(b *testing.B) { benchRowFormat(b, q50Format) }

// TestQ5_0OneRowPath checks that the reference is the one-row path's order.
func TestQ5_0OneRowPath(t *testing.T) {
	r := rand.New(rand.NewPCG(50, 52))
	for _, nb := range []int{1, 5, 64} {
		w, _, x := formatRows(t, r, quant.Q5_0, 1, nb, 0)
		dot, err := rowDotFor(quant.Q5_0, 1, nb*32, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := dotQ5_0Lanes(nb, w, x), dot(nb*32, w, x); got != want {
			t.Fatalf("nb=%d: %g, one-row path %g", nb, got, want)
		}
	}
}
