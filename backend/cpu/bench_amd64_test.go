//go:build amd64 && gc && !purego

package cpu

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkPrefillQ8_0 compares the four-token Q8_0 kernels on 256 rows of
// 2048 (bytes/s of weights; each weight byte meets four tokens).
func BenchmarkPrefillQ8_0(b *testing.B) {
	if !useVNNI {
		b.Skip("no AVX-512 VNNI")
	}
	r := rand.New(rand.NewPCG(1, 3))
	const rows, nb = 256, 64
	w, stride, _ := q8Rows(r, rows, nb, 0)
	xb := nb * q8Block
	x := make([]byte, 4*xb)
	u := make([]byte, 4*nb*32)
	d := make([]float32, 4*nb)
	for t := range 4 {
		_, _, xt := q8Rows(r, 1, nb, 0)
		copy(x[t*xb:], xt)
		for j := range nb {
			d[t*nb+j] = half(xt[j*q8Block:])
			for e := range 32 {
				u[(t*nb+j)*32+e] = xt[j*q8Block+2+e] ^ 0x80
			}
		}
	}
	out := make([]float32, 4*rows)
	b.Run("pairs", func(b *testing.B) {
		b.SetBytes(int64(len(w)))
		for b.Loop() {
			dotRows2Q8_0x4VNNI(&out[0], 4*rows, &w[0], stride, rows/2, &u[0], 32*nb, &d[0], 4*nb, nb)
		}
	})
	b.Run("single", func(b *testing.B) {
		b.SetBytes(int64(len(w)))
		for b.Loop() {
			dotRowsQ8_0x4VNNI(&out[0], 4*rows, &w[0], stride, rows, &x[0], xb, &d[0], 4*nb, nb)
		}
	})
	b.Run("onetoken", func(b *testing.B) {
		b.SetBytes(int64(len(w)))
		for b.Loop() {
			for t := range 4 {
				dotRowsQ8_0VNNI(&out[t*rows], &w[0], stride, &x[t*xb], nb, rows)
			}
		}
	})
}
