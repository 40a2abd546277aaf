//go:build linux || darwin

package calibrate

import (
	"os"

	"golang.org/x/sys/unix"
)

// fileDevice returns the id of the file system holding f, and f's size.
func fileDevice(f *os.File) (uint64, int64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0, 0, err
	}
	return uint64(st.Dev), st.Size, nil
}
