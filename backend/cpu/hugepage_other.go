//go:build !linux

package cpu

// hugeBytes returns n zeroed bytes for weights the device keeps, and the
// function that releases them.
func hugeBytes(n int) ([]byte, func()) { return make([]byte, n), func() {} }

// hugeMap reports that no memory of 2 MiB pages can be had here.
func hugeMap(int) ([]byte, func(), bool) { return nil, nil, false }

// pageOut is a no-op where the kernel's advice is not reached without cgo.
func pageOut([]byte) {}
