//go:build !linux && !darwin

package calibrate

import "os"

func fileDevice(f *os.File) (uint64, int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	return 0, fi.Size(), nil
}
