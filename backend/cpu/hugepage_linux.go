package cpu

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// hugeBytes returns n zeroed bytes for weights the device keeps (repacked
// copies): anonymous memory advised to use 2 MiB pages, so that streaming
// through hundreds of megabytes per token does not miss the TLB every
// 4 KiB. The memory is unmapped when owner is collected. Plain Go memory
// if the mapping fails.
func hugeBytes(owner *Device, n int) []byte {
	if n < 4<<20 {
		return make([]byte, n)
	}
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]byte, n)
	}
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // advice only: 4 KiB pages work too
	runtime.AddCleanup(owner, func(b []byte) { _ = unix.Munmap(b) }, b)
	return b
}
