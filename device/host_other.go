//go:build !linux && !darwin

package device

import (
	"fmt"
	"io/fs"
	"runtime"
)

func cpuModel(fs.FS) string { return "unknown" }

func hostMemory(fs.FS) (Memory, error) {
	return Memory{}, fmt.Errorf("device: reading host memory on %s is not supported", runtime.GOOS)
}
