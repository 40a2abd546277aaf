//go:build !darwin || nogpu

package device

import "io/fs"

// Metal finds no GPU off macOS (or with the nogpu build tag).
func Metal(fs.FS) ([]*Device, error) { return nil, nil }
