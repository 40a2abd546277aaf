//go:build !linux && !darwin

package stream

// madvise is a no-op where the system has none: streaming still works,
// without prefetch or release.
func madvise(b []byte, a advice) error { return nil }
