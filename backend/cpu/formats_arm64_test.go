//go:build arm64 && gc && !purego

package cpu

// x4Expected says whether the four-token kernels must run at the current
// level: every arm64 one has an SDOT form only.
func x4Expected() bool { return useDotProd }
