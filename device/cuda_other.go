//go:build !linux || !(amd64 || arm64) || nogpu

package device

// CUDA finds no GPU where Tern has no CUDA driver binding (or with the
// nogpu build tag).
func CUDA() ([]*Device, error) { return nil, nil }
