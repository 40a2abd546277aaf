package cpu

import (
	"testing"

	"github.com/tern-llm/tern/quant"
)

var q3kFormat = rowFormat{typ: quant.Q3_K, rows: dotRowsQ3_K, rows4: dotRowsQ3_Kx4, ref: dotQ3_KLanes, tol: 1e-4}

func TestDotQ3_K(t *testing.T)          { testRowFormat(t, q3kFormat, 33) }
func TestMatMulQ3_K(t *testing.T)       { testFormatMatMul(t, q3kFormat, 33) }
func BenchmarkDotRowsQ3_K(b *testing.B) { benchRowFormat(b, q3kFormat) }
