package cpu

import (
	"testing"

	"github.com/tern-llm/tern/quant"
)

var q41Format = rowFormat{typ: quant.Q4_1, rows: dotRowsQ4_1, rows4: dotRowsQ4_1x4, ref: dotQ4_1Lanes, tol: 1e-4}

func TestDotQ4_1(t *testing.T)          { testRowFormat(t, q41Format, 41) }
func TestMatMulQ4_1(t *testing.T)       { testFormatMatMul(t, q41Format, 41) }
func BenchmarkDotRowsQ4_1(b *testing.B) { benchRowFormat(b, q41Format) }
