//go:build !linux

package cpu

// hugeBytes returns n zeroed bytes for weights the device keeps, and the
// function that releases them.
func hugeBytes(n int) ([]byte, func()) { return make([]byte, n), func() {} }

// pageOut is a no-op where the kernel's advice is not reached without cgo.
func pageOut([]byte) {}
