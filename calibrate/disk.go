package calibrate

import (
	"fmt"
	"io"
	"os"
	"time"
)

// diskProbeBytes is the most of a file MeasureDisk reads: enough to pass
// the drive's own cache and reach its sustained speed.
const diskProbeBytes = 256 << 20

// diskReadBuffer is the size of each read: large sequential requests, as
// streaming makes.
const diskReadBuffer = 4 << 20

// Rate is the speed at which streaming reads a file of fileBytes: from the
// page cache (Cached) when the host has that much memory to spare beyond
// Tern's budget, so the file stays cached between passes, else from the
// disk (Read).
func (d *Disk) Rate(fileBytes, spareHost uint64) float64 {
	if spareHost >= fileBytes && d.Cached > 0 {
		return d.Cached
	}
	return d.Read
}

// MeasureDisk measures how fast the file at path streams in: mapped and
// touched a page at a time as package stream does, first cold, after
// asking the kernel to drop the file's cached pages (Linux; elsewhere the
// first pass may be warm), then again from the page cache after the
// process's pages were dropped. It reads at most diskProbeBytes and stops
// each pass after step.
func MeasureDisk(path string, step time.Duration) (*Disk, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	defer f.Close()
	dev, size, err := fileDevice(f)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %s: %w", path, err)
	}
	n := min(size, diskProbeBytes)
	if n <= 0 {
		return nil, fmt.Errorf("calibrate: %s is empty", path)
	}
	cold, warm, err := mapSpeeds(f, n, size, step)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %s: %w", path, err)
	}
	return &Disk{Version: Version, Device: dev, Read: cold, Cached: max(warm, cold), Probed: n}, nil
}

// readSpeed reads up to n bytes from the start of f, for at most step, in
// bytes/s.
func readSpeed(f *os.File, n int64, step time.Duration) (float64, error) {
	buf := make([]byte, diskReadBuffer)
	var done int64
	start := time.Now()
	for done < n {
		m, err := f.ReadAt(buf[:min(int64(len(buf)), n-done)], done)
		done += int64(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		if time.Since(start) >= step {
			break
		}
	}
	el := time.Since(start).Seconds()
	if done == 0 || el <= 0 {
		return 0, fmt.Errorf("read nothing")
	}
	return float64(done) / el, nil
}
