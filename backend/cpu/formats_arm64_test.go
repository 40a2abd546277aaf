//go:build arm64 && gc && !purego

package cpu

import "github.com/tern-llm/tern/quant"

// x4Expected says whether the four-token kernels must run at the current
// level: every arm64 one has an SDOT form only.
func x4Expected(quant.Type) bool { return useDotProd }

// floatX4Expected: arm64 has no float32 or F16 four-token kernels.
func floatX4Expected() bool { return false }
