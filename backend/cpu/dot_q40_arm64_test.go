//go:build arm64 && gc && !purego

package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestDotRowsQ4_0 checks the Q4_0 row kernels (weights not repacked) at
// every level against the Go reference, bit for bit: every row count from
// 1 to 17, block counts 1, 2, 7 and 33, rows with and without junk bytes
// after them; the four-token kernel token by token, which must run
// wherever FEAT_DotProd is on.
func TestDotRowsQ4_0(t *testing.T) {
	r := rand.New(rand.NewPCG(40, 41))
	type rowCase struct {
		rows, nb, stride int
		w, x             []byte
		x4               []byte // four activation rows, xb bytes apart
		want             []float32
		want4            [multiToken][]float32
	}
	nbs, pads := []int{1, 2, 7, 33}, []int{0, 3, 5}
	var cases []rowCase
	for rows := 1; rows <= 17; rows++ {
		c := rowCase{rows: rows, nb: nbs[rows%len(nbs)]}
		c.w, c.stride, c.x = formatRows(t, r, quant.Q4_0, rows, c.nb, pads[rows%len(pads)])
		xb := c.nb * q8Block
		c.x4 = make([]byte, multiToken*xb)
		for tk := range multiToken {
			if err := quantizeActivations(quant.Q8_0, c.x4[tk*xb:(tk+1)*xb], randRow(r, 32*c.nb)); err != nil {
				t.Fatal(err)
			}
		}
		for i := range rows {
			want := dotQ4_0Lanes(c.nb, c.w[i*c.stride:], c.x)
			if want == 0 {
				t.Fatalf("rows=%d nb=%d: row %d: zero reference", rows, c.nb, i)
			}
			c.want = append(c.want, want)
			for tk := range multiToken {
				c.want4[tk] = append(c.want4[tk], dotQ4_0Lanes(c.nb, c.w[i*c.stride:], c.x4[tk*xb:]))
			}
		}
		cases = append(cases, c)
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, c := range cases {
				got := make([]float32, c.rows+1)
				got[c.rows] = 42
				dotRowsQ4_0(got[:c.rows], c.w, c.stride, c.x, c.nb)
				if got[c.rows] != 42 {
					t.Fatalf("rows=%d nb=%d: wrote past the last row", c.rows, c.nb)
				}
				for i, want := range c.want {
					if got[i] != want {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", c.rows, c.nb, i, got[i], want)
					}
				}

				buf := make([]float32, multiToken*(c.rows+1))
				var out [multiToken][]float32
				for tk := range out {
					out[tk] = buf[tk*(c.rows+1) : tk*(c.rows+1)+c.rows]
				}
				ran := dotRowsQ4_0x4(out, c.w, c.stride, c.x4, c.nb*q8Block, c.nb)
				if ran != useDotProd {
					t.Fatalf("rows=%d nb=%d: four-token kernel ran = %v with FEAT_DotProd %v", c.rows, c.nb, ran, useDotProd)
				}
				for tk := range out {
					if !ran {
						break
					}
					if buf[tk*(c.rows+1)+c.rows] != 0 {
						t.Fatalf("rows=%d nb=%d: token %d: wrote past the last row", c.rows, c.nb, tk)
					}
					for i, want := range c.want4[tk] {
						if out[tk][i] != want {
							t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", c.rows, c.nb, tk, i, out[tk][i], want)
						}
					}
				}
			}
		})
	}
}

// TestMatMulQ4_0Rows runs MatMul on Q4_0 weights of every row count from 1
// to 17 (repacked where a multiple of 8, row kernels otherwise), one token
// and five (four-token kernel plus one), at every level, against the
// one-row Go path (rowDotFor) bit for bit.
func TestMatMulQ4_0Rows(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 43))
	var cases []mmCase
	for m := 1; m <= 17; m++ {
		for _, n := range []int{1, 5} {
			c := mmCase{n: n, k: 32 * []int{1, 3, 9}[m%3], m: m}
			c.w, _, _ = formatRows(t, r, quant.Q4_0, m, c.k/32, 0)
			c.xs = randRow(r, n*c.k)
			dot, err := rowDotFor(quant.Q4_0, n, c.k, m)
			if err != nil {
				t.Fatal(err)
			}
			rb, xb := c.k/32*q4Block, c.k/32*q8Block
			xq := make([]byte, xb)
			for i := range n {
				if err := quantizeActivations(quant.Q8_0, xq, c.xs[i*c.k:(i+1)*c.k]); err != nil {
					t.Fatal(err)
				}
				for j := range m {
					c.want = append(c.want, dot(c.k, c.w[j*rb:(j+1)*rb], xq))
				}
			}
			cases = append(cases, c)
		}
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			d := New(2)
			for _, c := range cases {
				c.check(t, d, quant.Q4_0)
			}
		})
	}
}
