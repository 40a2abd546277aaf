//go:build amd64 && gc && !purego

package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestDotWideQ6_Kx4 checks the four-token repacked Q6_K kernel against
// the one-token Go reference for each token, bit for bit, on activation
// records spaced as wideQ6KKernel spaces them; it must run wherever
// AVX-512 VNNI is on, and decline records spaced unevenly.
func TestDotWideQ6_Kx4(t *testing.T) {
	r := rand.New(rand.NewPCG(99, 100))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{16, 2}, {32, 4}, {48, 2}, {80, 6}} {
				rows, nb := sz[0], sz[1]
				_, packed, _, _ := q6KWide(r, rows, nb)
				xb := nb * q8KBlock
				xq := make([]byte, multiToken*xb)
				bias, d := make([]int32, multiToken*16*nb), make([]float32, multiToken*16*nb)
				acts := make([]q4Act, multiToken)
				for tk := range acts {
					if err := quantizeRow(quant.Q8_K, xq[tk*xb:(tk+1)*xb], randRow(r, nb*256)); err != nil {
						t.Fatal(err)
					}
					acts[tk] = q4Act{bias: bias[tk*16*nb : (tk+1)*16*nb], d: d[tk*16*nb : tk*16*nb+nb]}
					fillQ6KWide(&acts[tk], xq[tk*xb:(tk+1)*xb], nb)
				}
				out := tokenRows(rows)
				ran := dotWideQ6_Kx4(out, packed, nb, acts)
				if on := useVNNI && useAVX512; ran != on {
					t.Fatalf("rows=%d nb=%d: ran = %v with AVX-512 VNNI %v", rows, nb, ran, on)
				}
				if !ran {
					continue
				}
				want := make([]float32, rows)
				for tk := range acts {
					dotWideQ6_KGeneric(want, packed, nb, &acts[tk])
					for i := range want {
						if out[tk][i] != want[i] {
							t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", rows, nb, tk, i, out[tk][i], want[i])
						}
					}
				}
				skewed := append([]q4Act(nil), acts...)
				skewed[3].q = append([]byte(nil), acts[3].q...)
				if dotWideQ6_Kx4(out, packed, nb, skewed) {
					t.Fatalf("rows=%d nb=%d: ran on unevenly spaced activations", rows, nb)
				}
			}
		})
	}
}
