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

// touchSpeed streams data's pages through the process a chunk at a time,
// as a streamed layer goes: maps the chunk in as package stream's prefetch
// does (MADV_POPULATE_READ where the kernel has it), reads a word of each
// cache line (as the kernels read every byte of a weight), and drops the
// chunk (MADV_DONTNEED, as stream's End does). It stops after step and
// returns the bytes done and their speed in bytes/s.
//
// The reads are part of it because they are where a streamed page can
// cost most: on this machine populate and drop of the 1.1B model's pages
// ran at 20 GB/s and more, while multiplying by the freshly mapped weights
// ran at 2 GB/s (the same pattern over freshly written files: 12 GB/s),
// and the streamed run with it. The kernels' own read at the memory's
// speed is counted twice, a small part of such a rate.
func touchSpeed(data []byte, step time.Duration) (int, float64) {
	var sink uint64
	start := time.Now()
	done := 0
	for done < len(data) {
		end := min(done+diskReadBuffer, len(data))
		populate(data[done:end])
		sink += sumLines(data[done:end])
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

// cacheLine is the stride of sumLines' reads.
const cacheLine = 64

// sumLines reads a word of each cache line of b.
func sumLines(b []byte) uint64 {
	var s0, s1 uint64
	i := 0
	for ; i+2*cacheLine <= len(b); i += 2 * cacheLine {
		s0 += uint64(b[i])
		s1 += uint64(b[i+cacheLine])
	}
	for ; i < len(b); i += cacheLine {
		s0 += uint64(b[i])
	}
	return s0 + s1
}
