// Package device finds the compute devices of this machine and reads their
// memory live: the CPU (model, cores, SIMD features, RAM from /proc/meminfo
// bounded by the process's cgroup), NVIDIA GPUs through the driver library
// libcuda.so.1, and the Metal GPU on macOS, both loaded at run time through
// purego so the binary needs no cgo. A machine without a driver simply has
// fewer devices: that is not an error.
//
// It describes devices; it does not run anything on them (that is backend)
// nor decide anything (that is plan). It imports backend for the Kind names.
package device

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/tern-llm/tern/backend"
)

// Device is one device found on this machine. Its fields are fixed facts;
// its memory is read live through ReadMemory.
//
// A Device may be used from several goroutines.
type Device struct {
	Name  string       // "cpu", "cuda0", "metal0"
	Kind  backend.Kind //
	Model string       // processor or GPU name, as the system reports it
	// Cores is the CPU's logical cores available to this process, or a
	// CUDA GPU's streaming multiprocessors; 0 where unknown.
	Cores int
	// Features lists the CPU's SIMD extensions ("avx2", "avx512f", "asimddp");
	// for a GPU its architecture ("sm_90") or properties ("unified").
	Features []string
	// Compute is a CUDA device's compute capability ("9.0").
	Compute string
	// Unified is set when the device computes in host memory (CPU, Apple
	// silicon): its free memory and the host's are the same memory.
	Unified bool
	// PeakBandwidth is the memory bandwidth the hardware data promise, in
	// bytes/s (CUDA: 2 × memory clock × bus width); 0 where unknown.
	// Calibration measures the real figure.
	PeakBandwidth float64

	// ReadMemory reads the device's memory now. Discover sets it; tests
	// and fakes set their own.
	ReadMemory func() (Memory, error)
}

// Memory is a device's memory at one moment, in bytes.
type Memory struct {
	// Total is the memory this process may use at most: the device's
	// memory, or for the CPU the smaller of RAM and the cgroup limit.
	Total uint64
	// Free is what can be allocated now without evicting anything but
	// reclaimable cache: the smaller of MemAvailable and the cgroup's limit
	// minus its working set, or the driver's free figure.
	Free uint64

	// The figures behind Total and Free (zero where they do not apply).
	Physical      uint64 // RAM or device memory
	Available     uint64 // MemAvailable or the driver's free memory
	CgroupLimit   uint64 // the tightest memory limit of the cgroup and its parents; 0: none
	CgroupUsage   uint64 // the cgroup's memory usage, page cache included
	CgroupWorking uint64 // usage less inactive file cache: what the limit is enforced against
}

// Memory reads the device's memory now.
func (d *Device) Memory() (Memory, error) {
	if d.ReadMemory == nil {
		return Memory{}, fmt.Errorf("device: %s: no memory reader", d.Name)
	}
	return d.ReadMemory()
}

// Options control discovery.
type Options struct {
	// FS is the file system /proc and /sys are read from, rooted at "/";
	// nil means the real one. Tests give a fake.
	FS fs.FS
	// NoGPU skips the GPU drivers: only the CPU is reported.
	NoGPU bool
}

func (o Options) fsys() fs.FS {
	if o.FS != nil {
		return o.FS
	}
	return os.DirFS("/")
}

// Discover finds this machine's devices: the CPU first, then CUDA GPUs in
// driver order, then the Metal GPU. The result always holds the CPU. A
// missing GPU driver is normal and gives no error; a driver that is present
// but fails is reported in err (errors.Join of each failure) while the
// devices that were found are still returned.
func Discover(o Options) ([]*Device, error) {
	fsys := o.fsys()
	c, err := CPU(fsys)
	if err != nil {
		return nil, err
	}
	devs := []*Device{c}
	if o.NoGPU {
		return devs, nil
	}
	var errs []error
	cu, err := CUDA()
	devs = append(devs, cu...)
	if err != nil {
		errs = append(errs, err)
	}
	mt, err := Metal(fsys)
	devs = append(devs, mt...)
	if err != nil {
		errs = append(errs, err)
	}
	return devs, errors.Join(errs...)
}

// FormatBytes writes n in binary units ("7.5 GiB"), for tables and errors.
func FormatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	x, i := float64(n), -1
	for x >= unit && i < 5 {
		x /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", x, "KMGTPE"[i])
}
