package cpu

import (
	"testing"

	"github.com/tern-llm/tern/quant"
)

var q5kFormat = rowFormat{typ: quant.Q5_K, rows: dotRowsQ5_K, rows4: dotRowsQ5_Kx4, ref: dotQ5_KLanes, tol: 1e-4}

func TestDotQ5_K(t *testing.T)          { testRowFormat(t, q5kFormat, 55) }
func TestMatMulQ5_K(t *testing.T)       { testFormatMatMul(t, q5kFormat, 55) }
func BenchmarkDotRowsQ5_K(b *testing.B) { benchRowFormat(b, q5kFormat) }
