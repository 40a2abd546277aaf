//go:build linux || darwin

package calibrate

import (
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// mapSpeeds measures reading the first n bytes of f the way streaming
// does: mapped, with readahead asked for, the pages mapped in a chunk at a
// time. cold reads after the file's cached pages (all size bytes of them)
// were dropped, so the disk is read and the page cache refilled as
// readahead fills it; cached reads again after the mapping's pages were
// dropped from the process (from the page cache). Each pass stops after
// step.
func mapSpeeds(f *os.File, n, size int64, step time.Duration) (cold, cached float64, err error) {
	data, err := unix.Mmap(int(f.Fd()), 0, int(n), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, 0, err
	}
	defer unix.Munmap(data)
	dropCache(f, size)
	_ = unix.Madvise(data, unix.MADV_WILLNEED)
	cold = touchSpeed(data, step)
	_ = unix.Madvise(data, unix.MADV_DONTNEED)
	cached = touchSpeed(data, step)
	return cold, cached, nil
}

// touchSpeed maps data's pages into the process a chunk at a time, as
// package stream's prefetch does (MADV_POPULATE_READ where the kernel has
// it, else a read of a byte per page), for at most step, in bytes/s.
func touchSpeed(data []byte, step time.Duration) float64 {
	pg := os.Getpagesize()
	var sink byte
	start := time.Now()
	done := 0
	for done < len(data) {
		end := min(done+diskReadBuffer, len(data))
		if !populate(data[done:end]) {
			for i := done; i < end; i += pg {
				sink += data[i]
			}
		}
		done = end
		if time.Since(start) >= step {
			break
		}
	}
	el := time.Since(start).Seconds()
	runtime.KeepAlive(sink) // the reads are the work: keep them
	return float64(done) / max(el, 1e-9)
}
