//go:build linux || darwin

package calibrate

import (
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// mapSpeeds measures reading the first n bytes of f the way streaming
// does: mapped, with readahead asked for, one touch per page. cold reads
// after the file's cached pages were dropped (the disk); cached reads
// again after the mapping's pages were dropped from the process (minor
// faults from the page cache). Each pass stops after step.
func mapSpeeds(f *os.File, n int64, step time.Duration) (cold, cached float64, err error) {
	data, err := unix.Mmap(int(f.Fd()), 0, int(n), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, 0, err
	}
	defer unix.Munmap(data)
	dropCache(f, n)
	_ = unix.Madvise(data, unix.MADV_WILLNEED)
	cold = touchSpeed(data, step)
	_ = unix.Madvise(data, unix.MADV_DONTNEED)
	cached = touchSpeed(data, step)
	return cold, cached, nil
}

// touchSpeed reads a byte of each page of data, for at most step, in bytes/s.
func touchSpeed(data []byte, step time.Duration) float64 {
	pg := os.Getpagesize()
	var sink byte
	start := time.Now()
	done := 0
	for done < len(data) {
		end := min(done+diskReadBuffer, len(data))
		for i := done; i < end; i += pg {
			sink += data[i]
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
