//go:build arm64 && gc && !purego

package cpu

import "golang.org/x/sys/cpu"

// CPU features, read once. Every arm64 processor has Advanced SIMD (NEON);
// useNEON is a variable so that tests can turn the assembly off and
// compare it with the Go reference. useDotProd is FEAT_DotProd (SDOT),
// present from Cortex-A55/A76, Apple M1 and Graviton2 on.
var (
	useNEON    = cpu.ARM64.HasASIMD
	useDotProd = useNEON && cpu.ARM64.HasASIMDDP
)
