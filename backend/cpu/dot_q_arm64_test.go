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
// is on, and decline rows spaced unevenly (testQ4x4).
func TestDotGroupsQ4_0x4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(43, 44)), q4x4Kernel{
		pack:    q4Groups,
		run:     dotGroupsQ4_0x4,
		ref:     dotGroupsQ4_0Generic,
		on:      func() bool { return useDotProd },
		feature: "FEAT_DotProd",
	}, [][2]int{{8, 1}, {16, 3}, {24, 7}, {40, 65}})
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
				out := tokenRows(rows)
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
