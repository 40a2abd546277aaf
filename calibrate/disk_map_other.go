//go:build !linux && !darwin

package calibrate

import (
	"os"
	"time"
)

// mapSpeeds reads with read(2) where Tern does not map files.
func mapSpeeds(f *os.File, n, size int64, step time.Duration) (cold, cached float64, err error) {
	if cold, err = readSpeed(f, n, step); err != nil {
		return 0, 0, err
	}
	cached, err = readSpeed(f, n, step)
	return cold, cached, err
}
