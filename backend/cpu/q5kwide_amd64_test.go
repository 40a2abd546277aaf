//go:build amd64 && gc && !purego

package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// BenchmarkDotWideQ5_Kx4 measures the four-token kernel on 256 rows of
// 2048 (bytes/s of weights per token, as BenchmarkDotWideQ3_Kx4) and the
// two-run kernel on them as two runs of 128.
func BenchmarkDotWideQ5_Kx4(b *testing.B) {
	if !vnniOn() {
		b.Skip("no AVX-512 VNNI")
	}
	r := rand.New(rand.NewPCG(1, 1))
	const rows, nb = 256, 8
	_, packed, _, a := q5KWide(r, rows, nb)
	acts := wideActs(quant.Q8_K, 8, fillQ4KWide)(b, r, nb)
	out := tokenRows(rows)
	b.Run("x4", func(b *testing.B) {
		b.SetBytes(int64(multiToken * len(packed)))
		for b.Loop() {
			dotWideQ5_Kx4(out, packed, nb, acts)
		}
	})
	b.Run("two", func(b *testing.B) {
		b.SetBytes(int64(len(packed)))
		h := len(packed) / 2
		for b.Loop() {
			dotWideQ5_KTwo(out[0][:rows/2], out[0][rows/2:], packed[:h], packed[h:], nb, a)
		}
	})
}
