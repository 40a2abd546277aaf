//go:build !amd64 || purego || !gc

package cpu

// svShortFast reports whether svShort has a vector path: not here, where
// groups adds the values block by block (axpyRows).
func svShortFast() bool { return false }

// svShort is svShortGeneric.
func svShort(sv *svShortOps, l0, l1, n int) { svShortGeneric(sv, l0, l1, n) }
