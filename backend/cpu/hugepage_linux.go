package cpu

import "golang.org/x/sys/unix"

// hugeBytes returns n zeroed bytes for weights the device keeps (repacked
// copies), and the function that releases them: anonymous memory advised
// to use 2 MiB pages, so that streaming through hundreds of megabytes per
// token does not miss the TLB every 4 KiB. Plain Go memory when small or
// when the mapping fails.
func hugeBytes(n int) ([]byte, func()) {
	if n < 4<<20 {
		return make([]byte, n), func() {}
	}
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]byte, n), func() {}
	}
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // advice only: 4 KiB pages work too
	return b, func() { _ = unix.Munmap(b) }
}
