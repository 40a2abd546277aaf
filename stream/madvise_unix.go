//go:build linux || darwin

package stream

import "golang.org/x/sys/unix"

// madvise gives the kernel advice about b, which is page-aligned.
func madvise(b []byte, a advice) error {
	adv := unix.MADV_WILLNEED
	if a == adviseDontNeed {
		adv = unix.MADV_DONTNEED
	}
	return unix.Madvise(b, adv)
}
