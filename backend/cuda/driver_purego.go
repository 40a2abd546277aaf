//go:build linux && (amd64 || arm64) && !nogpu

package cuda

import (
	"fmt"

	"github.com/ebitengine/purego"
)

// libcudaName is the NVIDIA driver library, installed with the driver (not
// the toolkit), so it is present wherever an NVIDIA GPU can be used.
const libcudaName = "libcuda.so.1"

// openDriver loads libcuda.so.1 and resolves every entry point the package
// uses. dlopen counts references, so opening it again returns the same
// library.
func openDriver() (*driver, error) {
	lib, err := purego.Dlopen(libcudaName, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	d := &driver{}
	for i, name := range symbols {
		p, err := purego.Dlsym(lib, name)
		if err != nil && optionalSymbols[i] {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cuda: %s has no %s (driver too old?): %w", libcudaName, name, err)
		}
		d.fn[i] = p
	}
	return d, nil
}

// raw calls driver function fn and returns its CUresult. Arguments that are
// Go pointers converted to uintptr in the call expression stay valid for the
// call (go:uintptrescapes, as in package syscall).
//
//go:uintptrescapes
func (d *driver) raw(fn int, args ...uintptr) int32 {
	r, _, _ := purego.SyscallN(d.fn[fn], args...)
	return int32(r)
}

// call is raw with the result checked: an error names the call.
//
//go:uintptrescapes
func (d *driver) call(fn int, args ...uintptr) error {
	r, _, _ := purego.SyscallN(d.fn[fn], args...)
	return d.check(symbols[fn], int32(r))
}
