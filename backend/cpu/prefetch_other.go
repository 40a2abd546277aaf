//go:build (!amd64 && !arm64) || purego || !gc

package cpu

// readsAhead: without prefetch instructions, the workers do not read
// their next pieces ahead (a plain read could touch freed weights).
const readsAhead = false

func prefetchL2(p uintptr, n int) {}
