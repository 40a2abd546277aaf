package cpu

import (
	"testing"

	"github.com/tern-llm/tern/quant"
)

var q2kFormat = rowFormat{typ: quant.Q2_K, rows: dotRowsQ2_K, rows4: dotRowsQ2_Kx4, ref: dotQ2_KLanes, tol: 1e-4}

func TestDotQ2_K(t *testing.T)          { testRowFormat(t, q2kFormat, 22) }
func TestMatMulQ2_K(t *testing.T)       { testFormatMatMul(t, q2kFormat, 22) }
func BenchmarkDotRowsQ2_K(b *testing.B) { benchRowFormat(b, q2kFormat) }
