//go:build amd64 && gc && !purego

package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestDotWideQ4_0x4 checks the four-token 16-row group kernel against the
// one-token Go reference for each token, bit for bit, on activation rows
// spaced as scratch spaces them; it must run wherever AVX-512 VNNI is on,
// and decline rows spaced unevenly.
func TestDotWideQ4_0x4(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{16, 1}, {32, 3}, {48, 7}, {80, 65}} {
				rows, nb := sz[0], sz[1]
				_, packed, _, _ := q4Wide(r, rows, nb)
				xb := nb * q8Block
				xq := make([]byte, multiToken*xb)
				bias := make([]int32, multiToken*nb)
				d := make([]float32, multiToken*nb)
				acts := make([]q4Act, multiToken)
				for tk := range acts {
					if err := quantizeActivations(quant.Q8_0, xq[tk*xb:(tk+1)*xb], randRow(r, 32*nb)); err != nil {
						t.Fatal(err)
					}
					acts[tk].fill(xq[tk*xb:(tk+1)*xb], bias[tk*nb:(tk+1)*nb], d[tk*nb:(tk+1)*nb])
				}
				all := make([]float32, multiToken*rows)
				var out [multiToken][]float32
				for tk := range out {
					out[tk] = all[tk*rows : (tk+1)*rows]
				}
				ran := dotWideQ4_0x4(out, packed, nb, acts)
				if want := useVNNI && useAVX512; ran != want {
					t.Fatalf("rows=%d nb=%d: ran = %v with AVX-512 VNNI %v", rows, nb, ran, want)
				}
				if !ran {
					continue
				}
				want := make([]float32, rows)
				for tk := range acts {
					dotWideQ4_0Generic(want, packed, nb, &acts[tk])
					for i := range want {
						if out[tk][i] != want[i] {
							t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", rows, nb, tk, i, out[tk][i], want[i])
						}
					}
				}
				// an activation row out of step: the kernel must decline
				skewed := append([]q4Act(nil), acts...)
				skewed[3].q = make([]byte, xb)
				copy(skewed[3].q, acts[3].q)
				if dotWideQ4_0x4(out, packed, nb, skewed) {
					t.Fatalf("rows=%d nb=%d: ran on unevenly spaced activations", rows, nb)
				}
			}
		})
	}
}
