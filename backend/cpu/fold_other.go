//go:build !amd64 || purego || !gc

package cpu

// foldClearFast has no vector path here: foldClear folds and clears in Go.
func foldClearFast(o, acc []float32, hd, rows, used int) bool { return false }
