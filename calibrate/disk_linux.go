package calibrate

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropCache asks the kernel to drop the clean cached pages of f's first n
// bytes, so that the next read comes from the disk. It is advice: pages
// another process has mapped stay.
func dropCache(f *os.File, n int64) {
	_ = unix.Fadvise(int(f.Fd()), 0, n, unix.FADV_DONTNEED)
}
