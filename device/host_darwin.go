package device

import (
	"fmt"
	"io/fs"

	"golang.org/x/sys/unix"
)

func cpuModel(fs.FS) string {
	if s, err := unix.Sysctl("machdep.cpu.brand_string"); err == nil && s != "" {
		return s
	}
	return "unknown"
}

// hostMemory reads hw.memsize and estimates what is available from
// kern.memorystatus_level, the percentage of memory the kernel's memory
// status considers free (what Activity Monitor's pressure is built from).
func hostMemory(fs.FS) (Memory, error) {
	total, err := unix.SysctlUint64("hw.memsize")
	if err != nil {
		return Memory{}, fmt.Errorf("device: hw.memsize: %w", err)
	}
	level, err := unix.SysctlUint32("kern.memorystatus_level")
	if err != nil || level > 100 {
		return Memory{}, fmt.Errorf("device: kern.memorystatus_level: %v", err)
	}
	avail := total / 100 * uint64(level)
	return Memory{Total: total, Free: avail, Physical: total, Available: avail}, nil
}
