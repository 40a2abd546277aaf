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
	if b, release, ok := hugeMap(n); ok {
		return b, release
	}
	return make([]byte, n), func() {}
}

// hugeMap is hugeBytes without the fallback: ok is false when n is smaller
// than one 2 MiB page or the mapping fails.
func hugeMap(n int) (b []byte, release func(), ok bool) {
	if n < hugePage {
		return nil, nil, false
	}
	m, err := unix.Mmap(-1, 0, n+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, nil, false
	}
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(m)))) & (hugePage - 1)
	b = m[off : off+n : off+n]
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // advice only: 4 KiB pages work too
	return b, func() { _ = unix.Munmap(m) }, true
}

// hugePage is the size of a transparent huge page on x86-64 and of the
// usual arm64 configuration.
const hugePage = 2 << 20

// pageOut asks the kernel to reclaim the whole pages of b, which the
// device no longer reads: the source of weights it keeps repacked. Mapped
// model files are clean page cache that the kernel can drop and read back
// if something touches them again, so a repacked Q4_0 tensor costs its
// copy alone instead of twice its size in resident memory. MADV_PAGEOUT
// never changes the contents (anonymous memory goes to swap or stays);
// kernels before 5.4 refuse it, which costs only the memory.
func pageOut(b []byte) {
	start := (uintptr(unsafe.Pointer(unsafe.SliceData(b))) + pageSize - 1) &^ (pageSize - 1)
	end := (uintptr(unsafe.Pointer(unsafe.SliceData(b))) + uintptr(len(b))) &^ (pageSize - 1)
	if end <= start {
		return
	}
	off := int(start - uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	_ = unix.Madvise(b[off:off+int(end-start)], unix.MADV_PAGEOUT)
}

// pageSize is the smallest page of x86-64 and arm64 Linux.
const pageSize = 4 << 10
