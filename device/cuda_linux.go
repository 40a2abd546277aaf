//go:build linux && (amd64 || arm64) && !nogpu

package device

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/ebitengine/purego"

	"github.com/tern-llm/tern/backend"
)

// libcudaName is the NVIDIA driver library, installed with the driver
// (not the toolkit), so it is present wherever an NVIDIA GPU can be used.
const libcudaName = "libcuda.so.1"

// CUresult codes that mean "no usable GPU" rather than a failure.
const (
	cudaSuccess            = 0
	cudaErrNoDevice        = 100
	cudaErrInsufficientDrv = 35
)

// CUdevice_attribute values (cuda.h).
const (
	attrMultiprocessors = 16
	attrIntegrated      = 18
	attrMemoryClockKHz  = 36
	attrBusWidthBits    = 37
	attrComputeMajor    = 75
	attrComputeMinor    = 76
)

// cudaDriver holds the driver functions Tern's discovery uses. Symbols
// are the _v2 entry points cuda.h maps the plain names to.
type cudaDriver struct {
	init             func(flags uint32) int32
	deviceGetCount   func(n *int32) int32
	deviceGet        func(dev *int32, ordinal int32) int32
	deviceGetName    func(name *byte, n int32, dev int32) int32
	deviceGetAttr    func(v *int32, attr int32, dev int32) int32
	deviceTotalMem   func(bytes *uint64, dev int32) int32
	primaryCtxRetain func(ctx *uintptr, dev int32) int32
	ctxSetCurrent    func(ctx uintptr) int32
	memGetInfo       func(free, total *uint64) int32
	getErrorString   func(code int32, s **byte) int32
	mu               sync.Mutex        // guards ctx
	ctx              map[int32]uintptr // primary contexts retained for cuMemGetInfo
}

// loadCUDA opens libcuda.so.1 and binds its functions. A missing library
// is (nil, nil).
func loadCUDA() (*cudaDriver, error) {
	lib, err := purego.Dlopen(libcudaName, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, nil
	}
	d := &cudaDriver{ctx: map[int32]uintptr{}}
	syms := []struct {
		fn   any
		name string
	}{
		{&d.init, "cuInit"},
		{&d.deviceGetCount, "cuDeviceGetCount"},
		{&d.deviceGet, "cuDeviceGet"},
		{&d.deviceGetName, "cuDeviceGetName"},
		{&d.deviceGetAttr, "cuDeviceGetAttribute"},
		{&d.deviceTotalMem, "cuDeviceTotalMem_v2"},
		{&d.primaryCtxRetain, "cuDevicePrimaryCtxRetain"},
		{&d.ctxSetCurrent, "cuCtxSetCurrent"},
		{&d.memGetInfo, "cuMemGetInfo_v2"},
		{&d.getErrorString, "cuGetErrorString"},
	}
	for _, s := range syms {
		p, err := purego.Dlsym(lib, s.name)
		if err != nil {
			return nil, fmt.Errorf("device: %s has no %s: %w", libcudaName, s.name, err)
		}
		purego.RegisterFunc(s.fn, p)
	}
	return d, nil
}

func (d *cudaDriver) check(what string, r int32) error {
	if r == cudaSuccess {
		return nil
	}
	msg := "unknown error"
	var s *byte
	if d.getErrorString(r, &s) == cudaSuccess && s != nil {
		msg = goString(s)
	}
	return fmt.Errorf("device: cuda: %s: %s (CUresult %d)", what, msg, r)
}

// CUDA lists the NVIDIA GPUs the driver reports. No driver, or a driver
// with no GPU, is no device and no error.
func CUDA() ([]*Device, error) {
	drv, err := loadCUDA()
	if drv == nil || err != nil {
		return nil, err
	}
	switch r := drv.init(0); r {
	case cudaSuccess:
	case cudaErrNoDevice, cudaErrInsufficientDrv:
		return nil, nil
	default:
		return nil, drv.check("cuInit", r)
	}
	var n int32
	if err := drv.check("cuDeviceGetCount", drv.deviceGetCount(&n)); err != nil {
		return nil, err
	}
	var devs []*Device
	for i := int32(0); i < n; i++ {
		d, err := drv.describe(i)
		if err != nil {
			return devs, err
		}
		devs = append(devs, d)
	}
	return devs, nil
}

func (drv *cudaDriver) describe(ordinal int32) (*Device, error) {
	var dev int32
	if err := drv.check("cuDeviceGet", drv.deviceGet(&dev, ordinal)); err != nil {
		return nil, err
	}
	var name [256]byte
	if err := drv.check("cuDeviceGetName", drv.deviceGetName(&name[0], int32(len(name)-1), dev)); err != nil {
		return nil, err
	}
	attr := func(a int32) (int, error) {
		var v int32
		err := drv.check(fmt.Sprintf("cuDeviceGetAttribute(%d)", a), drv.deviceGetAttr(&v, a, dev))
		return int(v), err
	}
	var vals [6]int
	for i, a := range []int32{attrMultiprocessors, attrComputeMajor, attrComputeMinor, attrIntegrated, attrMemoryClockKHz, attrBusWidthBits} {
		v, err := attr(a)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	sms, major, minor, integrated, clock, bus := vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]
	var total uint64
	if err := drv.check("cuDeviceTotalMem", drv.deviceTotalMem(&total, dev)); err != nil {
		return nil, err
	}
	d := &Device{
		Name:          fmt.Sprintf("cuda%d", ordinal),
		Kind:          backend.CUDA,
		Model:         strings.TrimSpace(goString(&name[0])),
		Cores:         sms,
		Features:      []string{fmt.Sprintf("sm_%d%d", major, minor)},
		Compute:       fmt.Sprintf("%d.%d", major, minor),
		Unified:       integrated != 0,
		PeakBandwidth: 2 * float64(clock) * 1e3 * float64(bus) / 8,
	}
	d.ReadMemory = func() (Memory, error) { return drv.memory(dev, total) }
	return d, nil
}

// memory asks the driver for free and total memory. cuMemGetInfo needs a
// current context: the device's primary context is retained once (the CUDA
// backend uses the same one) and made current on a locked OS thread.
func (drv *cudaDriver) memory(dev int32, total uint64) (Memory, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	drv.mu.Lock()
	defer drv.mu.Unlock()
	ctx, ok := drv.ctx[dev]
	if !ok {
		if err := drv.check("cuDevicePrimaryCtxRetain", drv.primaryCtxRetain(&ctx, dev)); err != nil {
			return Memory{}, err
		}
		drv.ctx[dev] = ctx
	}
	if err := drv.check("cuCtxSetCurrent", drv.ctxSetCurrent(ctx)); err != nil {
		return Memory{}, err
	}
	var free, tot uint64
	if err := drv.check("cuMemGetInfo", drv.memGetInfo(&free, &tot)); err != nil {
		return Memory{}, err
	}
	if tot == 0 {
		tot = total
	}
	return Memory{Total: tot, Free: free, Physical: tot, Available: free}, nil
}
