package stream

import "golang.org/x/sys/unix"

// populate maps b's pages into the process (MADV_POPULATE_READ, Linux
// 5.14+): one call instead of a fault per page. false when the kernel
// declines, and the caller touches the pages instead.
func populate(b []byte) bool {
	return unix.Madvise(b, unix.MADV_POPULATE_READ) == nil
}
