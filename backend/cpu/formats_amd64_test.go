//go:build amd64 && gc && !purego

package cpu

import "github.com/tern-llm/tern/quant"

// x4Expected says whether the four-token kernels must run at the current
// level.
func x4Expected(t quant.Type) bool { return useVNNI && useX4 || useAVX2 && avx2X4[t] }

// avx2X4 are the formats of formats.go whose four-token kernels have an
// AVX2 form (sixteen registers, no VNNI).
var avx2X4 = map[quant.Type]bool{quant.Q5_K: true, quant.Q5_0: true, quant.Q4_1: true, quant.Q5_1: true, quant.Q3_K: true, quant.Q2_K: true, quant.TQ1_0: true, quant.IQ4_NL: true}

// floatX4Expected says whether the float32 and F16 four-token kernels
// must run at the current level.
func floatX4Expected() bool { return useAVX2 }
