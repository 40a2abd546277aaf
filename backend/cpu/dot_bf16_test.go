package cpu

import (
	"testing"

	"github.com/tern-llm/tern/quant"
)

var bf16Format = rowFormat{typ: quant.BF16, rows: dotRowsBF16, ref: dotBF16Lanes, tol: 1e-5}

func TestDotBF16(t *testing.T)          { testRowFormat(t, bf16Format, 16) }
func TestMatMulBF16(t *testing.T)       { testFormatMatMul(t, bf16Format, 16) }
func BenchmarkDotRowsBF16(b *testing.B) { benchRowFormat(b, bf16Format) }
