package cpu

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeBytes returns n zeroed bytes for weights the device keeps (repacked
// copies), and the function that releases them: anonymous memory advised
// to use 2 MiB pages, starting on a 2 MiB boundary so that every whole
// 2 MiB of it can be one page, so that streaming through hundreds of
// megabytes per token does not miss the TLB every 4 KiB. Plain Go memory
// when smaller than one such page or when the mapping fails.
func hugeBytes(n int) ([]byte, func()) {
	if n < hugePage {
		return make([]byte, n), func() {}
	}
	m, err := unix.Mmap(-1, 0, n+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]byte, n), func() {}
	}
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(m)))) & (hugePage - 1)
	b := m[off : off+n : off+n]
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // advice only: 4 KiB pages work too
	return b, func() { _ = unix.Munmap(m) }
}

// hugePage is the size of a transparent huge page on x86-64 and of the
// usual arm64 configuration.
const hugePage = 2 << 20
