//go:build !amd64 || purego || !gc

package cpu

// lanesFast reports whether axpyLanes4 has a vector path: not here, where
// groups adds the values block by block (axpyRows).
func lanesFast() bool { return false }

// axpyLanes4 is axpyLanes4Generic.
func axpyLanes4(l *laneOps, t, n int) { axpyLanes4Generic(l, t, n) }
