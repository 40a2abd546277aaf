package cpu

import (
	"testing"

	"github.com/tern-llm/tern/quant"
)

var tq1Format = rowFormat{typ: quant.TQ1_0, rows: dotRowsTQ1_0, rows4: dotRowsTQ1_0x4, ref: dotTQ1_0Lanes, tol: 1e-4}

func TestDotTQ1_0(t *testing.T)          { testRowFormat(t, tq1Format, 10) }
func TestMatMulTQ1_0(t *testing.T)       { testFormatMatMul(t, tq1Format, 10) }
func BenchmarkDotRowsTQ1_0(b *testing.B) { benchRowFormat(b, tq1Format) }
