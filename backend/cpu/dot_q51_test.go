package cpu

import (
	"testing"

	"github.com/tern-llm/tern/quant"
)

var q51Format = rowFormat{typ: quant.Q5_1, rows: dotRowsQ5_1, rows4: dotRowsQ5_1x4, ref: dotQ5_1Lanes, tol: 1e-4}

func TestDotQ5_1(t *testing.T)          { testRowFormat(t, q51Format, 51) }
func TestMatMulQ5_1(t *testing.T)       { testFormatMatMul(t, q51Format, 51) }
func BenchmarkDotRowsQ5_1(b *testing.B) { benchRowFormat(b, q51Format) }
