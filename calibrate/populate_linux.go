package calibrate

import "golang.org/x/sys/unix"

// populate maps b's pages in with one call (MADV_POPULATE_READ, Linux
// 5.14+), as package stream's prefetch does; false when the kernel declines.
func populate(b []byte) bool {
	return unix.Madvise(b, unix.MADV_POPULATE_READ) == nil
}
