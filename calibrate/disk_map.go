//go:build linux || darwin

package calibrate

import (
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// mapSpeeds measures reading the first n bytes of f the way streaming
// does: mapped, with readahead asked for, a chunk at a time mapped in,
// each page read, and the chunk dropped from the process (as a streamed
// layer is after it runs). cold reads after the file's cached pages (all
// size bytes of them) were dropped, so the disk is read and the page cache
// refilled as readahead fills it; cached reads again what the cold pass
// read, now from the page cache. Each pass stops after step.
//
// Mapping pages costs more than their copy: where page faults are slow (a
// sandboxed kernel), reading cached pages freshly mapped ran at 1.3 GB/s
// while MADV_POPULATE_READ alone returned at 14 GB/s, and streaming ran at
// the slower speed.
func mapSpeeds(f *os.File, n, size int64, step time.Duration) (cold, cached float64, err error) {
	data, err := unix.Mmap(int(f.Fd()), 0, int(n), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, 0, err
	}
	defer unix.Munmap(data)
	dropCache(f, size)
	_ = unix.Madvise(data, unix.MADV_WILLNEED)
	done, cold := touchSpeed(data, step)
	_, cached = touchSpeed(data[:done], step)
	return cold, cached, nil
}

// touchSpeed streams data's pages through the process a chunk at a time:
// maps the chunk in as package stream's prefetch does (MADV_POPULATE_READ
// where the kernel has it, else a read of a byte of each page), and drops
// the chunk (MADV_DONTNEED, as stream's End does). It stops after step and
// returns the bytes done and their speed in bytes/s.
//
// Where populate works the pages are not read here, as the prefetch does
// not read them: the kernels read every byte anyway, at the speed of
// memory, which the plan counts as the part's compute. Reading a byte per
// page as well cost a cache miss per page that a real run does not pay
// twice: it measured 10 GB/s from the page cache where a streamed run's
// prefetches ran at 90.
func touchSpeed(data []byte, step time.Duration) (int, float64) {
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
		_ = unix.Madvise(data[done:end], unix.MADV_DONTNEED)
		done = end
		if time.Since(start) >= step {
			break
		}
	}
	el := time.Since(start).Seconds()
	runtime.KeepAlive(sink) // the reads are the work: keep them
	return done, float64(done) / max(el, 1e-9)
}
