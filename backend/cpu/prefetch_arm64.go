//go:build arm64 && gc && !purego

package cpu

// readsAhead: the workers read their next pieces ahead (aheadPlans).
const readsAhead = true

// prefetchL2 asks for the lines of the n bytes at p to be brought into
// the L2 cache (reading ahead, aheadPlans), returning at once. The
// addresses need not be mapped: a prefetch never faults.
//
//go:noescape
func prefetchL2(p uintptr, n int)
