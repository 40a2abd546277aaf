package cpu

import (
	"testing"

	"github.com/tern-llm/tern/quant"
)

var iq4nlFormat = rowFormat{typ: quant.IQ4_NL, rows: dotRowsIQ4_NL, rows4: dotRowsIQ4_NLx4, ref: dotIQ4_NLLanes, tol: 1e-4}

func TestDotIQ4_NL(t *testing.T)          { testRowFormat(t, iq4nlFormat, 4) }
func TestMatMulIQ4_NL(t *testing.T)       { testFormatMatMul(t, iq4nlFormat, 4) }
func BenchmarkDotRowsIQ4_NL(b *testing.B) { benchRowFormat(b, iq4nlFormat) }
