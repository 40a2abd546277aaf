//go:build !linux

package cpu

import "errors"

// hostMemory is not known on this system without cgo.
func hostMemory() (free, total uint64, err error) {
	return 0, 0, errors.New("cpu: host memory size is not known on this system")
}
