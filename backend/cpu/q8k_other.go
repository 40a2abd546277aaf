//go:build !amd64 || purego || !gc

package cpu

import "github.com/tern-llm/tern/quant"

// quantizeQ8K quantizes src to Q8_K blocks (quant's reference here).
func quantizeQ8K(dst []byte, src []float32) error {
	return quant.Quantize(quant.Q8_K, dst, src)
}
