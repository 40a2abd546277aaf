package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

var bf16Format = rowFormat{typ: quant.BF16, rows: dotRowsBF16, rows4: dotRowsBF16x4, ref: dotBF16Lanes, tol: 1e-5}

func TestDotBF16(t *testing.T)          { testRowFormat(t, bf16Format, 16) }
func TestMatMulBF16(t *testing.T)       { testFormatMatMul(t, bf16Format, 16) }
func BenchmarkDotRowsBF16(b *testing.B) { benchRowFormat(b, bf16Format) }

// TestDotBF16x4 checks the four-token kernel on rows a multiple of 64
// long (where its assembly runs on AVX-512), odd and even row counts,
// against the reference (testRows4).
func TestDotBF16x4(t *testing.T) {
	r := rand.New(rand.NewPCG(131, 132))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{2, 64}, {5, 128}, {4, 2048}, {7, 192}} {
				rows, nb := sz[0], sz[1]
				w, stride, _ := formatRows(t, r, quant.BF16, rows, nb, 6)
				testRows4(t, r, bf16Format, w, stride, rows, nb)
			}
		})
	}
}
