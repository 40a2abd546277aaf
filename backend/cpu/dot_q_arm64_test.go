//go:build arm64 && gc && !purego

package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestDotGroupsQ4_0x4 checks the four-token repacked Q4_0 kernel against
// the one-token Go reference for each token, bit for bit, on activation
// rows spaced as scratch spaces them; it must run wherever FEAT_DotProd
// is on, and decline rows spaced unevenly.
func TestDotGroupsQ4_0x4(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{8, 1}, {16, 3}, {24, 7}, {40, 65}} {
				rows, nb := sz[0], sz[1]
				_, packed, _, _ := q4Groups(r, rows, nb)
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
				ran := dotGroupsQ4_0x4(out, packed, nb, acts)
				if ran != useDotProd {
					t.Fatalf("rows=%d nb=%d: ran = %v with FEAT_DotProd %v", rows, nb, ran, useDotProd)
				}
				if !ran {
					continue
				}
				want := make([]float32, rows)
				for tk := range acts {
					dotGroupsQ4_0Generic(want, packed, nb, &acts[tk])
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
				if dotGroupsQ4_0x4(out, packed, nb, skewed) {
					t.Fatalf("rows=%d nb=%d: ran on unevenly spaced activations", rows, nb)
				}
			}
		})
	}
}

// TestDotRowsQ8_0x4 checks the four-token Q8_0 kernel against the
// one-token Go reference for each token, bit for bit; it must run wherever
// FEAT_DotProd is on.
func TestDotRowsQ8_0x4(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 5}, {7, 9, 0}, {16, 64, 3}, {5, 65, 1}} {
				rows, nb, pad := sz[0], sz[1], sz[2]
				w, stride, _ := q8Rows(r, rows, nb, pad)
				xb := nb * q8Block
				x := make([]byte, multiToken*xb)
				d := make([]float32, multiToken*nb)
				for tk := range multiToken {
					if err := quantizeActivations(quant.Q8_0, x[tk*xb:(tk+1)*xb], randRow(r, 32*nb)); err != nil {
						t.Fatal(err)
					}
					for j := range nb {
						d[tk*nb+j] = half(x[tk*xb+j*q8Block:])
					}
				}
				all := make([]float32, multiToken*rows)
				var out [multiToken][]float32
				for tk := range out {
					out[tk] = all[tk*rows : (tk+1)*rows]
				}
				ran := dotRowsQ8_0x4(out, w, stride, x, xb, nil, d, nb)
				if ran != useDotProd {
					t.Fatalf("rows=%d nb=%d: ran = %v with FEAT_DotProd %v", rows, nb, ran, useDotProd)
				}
				if !ran {
					continue
				}
				want := make([]float32, rows)
				for tk := range multiToken {
					dotRowsQ8_0Generic(want, w, stride, x[tk*xb:], nb)
					for i := range want {
						if out[tk][i] != want[i] {
							t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", rows, nb, tk, i, out[tk][i], want[i])
						}
					}
				}
			}
		})
	}
}
