//go:build (!amd64 && !arm64) || purego || !gc

package cpu

import "github.com/tern-llm/tern/quant"

// x4Expected: no four-token kernels here.
func x4Expected(quant.Type) bool { return false }

// floatX4Expected: no float32 or F16 four-token kernels here.
func floatX4Expected() bool { return false }
