//go:build !linux || !(amd64 || arm64) || nogpu

package cuda

import "fmt"

// openDriver finds no driver where Tern has no libcuda binding (or with the
// nogpu build tag).
func openDriver() (*driver, error) {
	return nil, fmt.Errorf("%w: no CUDA driver binding on this platform or build", ErrNoDevice)
}

//go:uintptrescapes
func (d *driver) raw(fn int, args ...uintptr) int32 { return cuErrNotInitialized }

//go:uintptrescapes
func (d *driver) call(fn int, args ...uintptr) error {
	return d.check(symbols[fn], cuErrNotInitialized)
}
