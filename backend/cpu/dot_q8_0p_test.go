package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// q8PairRecords lays out four tokens' Q8_0 activation rows x (xb bytes
// apart) as two pairs of records, pstride bytes apart with junk between.
func q8PairRecords(r *rand.Rand, x []byte, xb, nb, pad int) (pairs []byte, pstride int) {
	pstride = nb*q8PairRecord + pad
	pairs = make([]byte, 2*pstride)
	for i := range pairs {
		pairs[i] = byte(r.IntN(256))
	}
	for t := range multiToken {
		fillQ8Pair(pairs[t/2*pstride:][:nb*q8PairRecord], x[t*xb:][:nb*q8Block], nb, t%2)
	}
	return pairs, pstride
}

func TestDotRowsQ8_0Pairs(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 5}, {4, 7, 0}, {5, 9, 64}, {9, 64, 3}, {13, 65, 1}} {
				rows, nb, pad := sz[0], sz[1], sz[2]
				w, stride, _ := q8Rows(r, rows, nb, pad)
				xb := nb * q8Block
				x := make([]byte, multiToken*xb)
				for tok := range multiToken {
					_, _, xt := q8Rows(r, 0, nb, 0)
					copy(x[tok*xb:], xt)
				}
				pairs, pstride := q8PairRecords(r, x, xb, nb, 64*pad)
				var out [multiToken][]float32
				all := make([]float32, multiToken*(rows+1))
				for tok := range out {
					out[tok] = all[tok*(rows+1) : tok*(rows+1)+rows]
				}
				if !dotRowsQ8_0Pairs(out, w, stride, pairs, pstride, nb) {
					if hasQ8Pairs() {
						t.Fatalf("rows=%d nb=%d: declined", rows, nb)
					}
					continue
				}
				want := make([]float32, rows)
				for tok := range multiToken {
					dotRowsQ8_0Generic(want, w, stride, x[tok*xb:], nb)
					for i := range want {
						if out[tok][i] != want[i] {
							t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", rows, nb, tok, i, out[tok][i], want[i])
						}
					}
				}
			}
		})
	}
}

// BenchmarkDotRowsQ8_0Pairs is the prefill kernel on 256 rows of 2048 and
// 64 rows of 8192 (bytes/s of weights; each weight byte meets four tokens).
func BenchmarkDotRowsQ8_0Pairs(b *testing.B) {
	if !hasQ8Pairs() {
		b.Skip("no pair kernel here")
	}
	r := rand.New(rand.NewPCG(1, 3))
	for _, sz := range [][2]int{{256, 64}, {64, 256}} {
		rows, nb := sz[0], sz[1]
		w, stride, _ := q8Rows(r, rows, nb, 0)
		xb := nb * q8Block
		x := make([]byte, multiToken*xb)
		for tok := range multiToken {
			_, _, xt := q8Rows(r, 0, nb, 0)
			copy(x[tok*xb:], xt)
		}
		pairs, pstride := q8PairRecords(r, x, xb, nb, 0)
		all := make([]float32, multiToken*rows)
		var out [multiToken][]float32
		for tok := range out {
			out[tok] = all[tok*rows : (tok+1)*rows]
		}
		b.Run(fmt.Sprintf("%dx%d", rows, nb*32), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				dotRowsQ8_0Pairs(out, w, stride, pairs, pstride, nb)
			}
		})
	}
}
