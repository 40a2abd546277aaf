package cuda

import (
	"errors"
	"fmt"
	"unsafe"
)

// ErrNoDevice is wrapped by New when there is no NVIDIA driver
// (libcuda.so.1), the driver finds no GPU, or the ordinal names none.
var ErrNoDevice = errors.New("cuda: no CUDA device")

// CUresult values the package tells apart (cuda.h).
const (
	cuSuccess            = 0
	cuErrOutOfMemory     = 2
	cuErrNotInitialized  = 3
	cuErrInsufficientDrv = 35
	cuErrNoDevice        = 100
	cuErrInvalidDevice   = 101
)

// CUdevice_attribute values (cuda.h).
const (
	attrSMCount      = 16
	attrComputeMajor = 75
	attrComputeMinor = 76
	// attrSharedOptin: the most shared memory a block may ask for
	// (cuFuncSetAttribute), beyond the 48 KiB any kernel gets.
	attrSharedOptin = 97
)

// funcAttrMaxDynamicShared is CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.
const funcAttrMaxDynamicShared = 8

// CUstreamCaptureMode: relaxed lets other threads call the driver (Memory,
// for one) while a step is being captured.
const captureRelaxed = 2

// CUjit_option values (cuda.h) for cuModuleLoadDataEx.
const (
	jitErrorLogBuffer     = 5
	jitErrorLogBufferSize = 6
)

// symbols are the driver entry points the package calls, by the names
// libcuda exports (the _v2 ones cuda.h maps the plain names to).
var symbols = [...]string{
	fnInit:               "cuInit",
	fnDriverGetVersion:   "cuDriverGetVersion",
	fnDeviceGetCount:     "cuDeviceGetCount",
	fnDeviceGet:          "cuDeviceGet",
	fnDeviceGetName:      "cuDeviceGetName",
	fnDeviceGetAttr:      "cuDeviceGetAttribute",
	fnPrimaryCtxRetain:   "cuDevicePrimaryCtxRetain",
	fnPrimaryCtxRelease:  "cuDevicePrimaryCtxRelease_v2",
	fnCtxSetCurrent:      "cuCtxSetCurrent",
	fnCtxSynchronize:     "cuCtxSynchronize",
	fnMemGetInfo:         "cuMemGetInfo_v2",
	fnMemAlloc:           "cuMemAlloc_v2",
	fnMemFree:            "cuMemFree_v2",
	fnMemAllocHost:       "cuMemAllocHost_v2",
	fnMemFreeHost:        "cuMemFreeHost",
	fnMemcpyHtoD:         "cuMemcpyHtoD_v2",
	fnMemcpyHtoDAsync:    "cuMemcpyHtoDAsync_v2",
	fnMemcpyDtoHAsync:    "cuMemcpyDtoHAsync_v2",
	fnMemcpyDtoDAsync:    "cuMemcpyDtoDAsync_v2",
	fnModuleLoadDataEx:   "cuModuleLoadDataEx",
	fnModuleUnload:       "cuModuleUnload",
	fnModuleGetFunction:  "cuModuleGetFunction",
	fnLaunchKernel:       "cuLaunchKernel",
	fnStreamCreate:       "cuStreamCreate",
	fnStreamDestroy:      "cuStreamDestroy_v2",
	fnStreamSynchronize:  "cuStreamSynchronize",
	fnEventCreate:        "cuEventCreate",
	fnEventRecord:        "cuEventRecord",
	fnEventSynchronize:   "cuEventSynchronize",
	fnEventElapsedTime:   "cuEventElapsedTime",
	fnEventDestroy:       "cuEventDestroy_v2",
	fnGetErrorName:       "cuGetErrorName",
	fnGetErrorString:     "cuGetErrorString",
	fnStreamBeginCapture: "cuStreamBeginCapture_v2",
	fnStreamEndCapture:   "cuStreamEndCapture",
	fnGraphInstantiate:   "cuGraphInstantiateWithFlags",
	fnGraphLaunch:        "cuGraphLaunch",
	fnGraphExecDestroy:   "cuGraphExecDestroy",
	fnGraphDestroy:       "cuGraphDestroy",
	fnLaunchKernelEx:     "cuLaunchKernelEx",
	fnFuncSetAttribute:   "cuFuncSetAttribute",
	fnModuleGetGlobal:    "cuModuleGetGlobal_v2",
}

// optionalSymbols may be missing from an older driver: their entries in
// driver.fn are then 0 and the package does without (cuLaunchKernelEx:
// CUDA 12.0).
var optionalSymbols = map[int]bool{fnLaunchKernelEx: true, fnModuleGetGlobal: true}

// Indexes into symbols and driver.fn.
const (
	fnInit = iota
	fnDriverGetVersion
	fnDeviceGetCount
	fnDeviceGet
	fnDeviceGetName
	fnDeviceGetAttr
	fnPrimaryCtxRetain
	fnPrimaryCtxRelease
	fnCtxSetCurrent
	fnCtxSynchronize
	fnMemGetInfo
	fnMemAlloc
	fnMemFree
	fnMemAllocHost
	fnMemFreeHost
	fnMemcpyHtoD
	fnMemcpyHtoDAsync
	fnMemcpyDtoHAsync
	fnMemcpyDtoDAsync
	fnModuleLoadDataEx
	fnModuleUnload
	fnModuleGetFunction
	fnLaunchKernel
	fnStreamCreate
	fnStreamDestroy
	fnStreamSynchronize
	fnEventCreate
	fnEventRecord
	fnEventSynchronize
	fnEventElapsedTime
	fnEventDestroy
	fnGetErrorName
	fnGetErrorString
	fnStreamBeginCapture
	fnStreamEndCapture
	fnGraphInstantiate
	fnGraphLaunch
	fnGraphExecDestroy
	fnGraphDestroy
	fnLaunchKernelEx
	fnFuncSetAttribute
	fnModuleGetGlobal
	fnCount
)

// driver is libcuda.so.1 with the entry points of symbols resolved.
type driver struct {
	fn [fnCount]uintptr
}

// cuError is a failed driver call.
type cuError struct {
	call string
	code int32
	name string // CUDA_ERROR_…
	msg  string
}

func (e *cuError) Error() string {
	return fmt.Sprintf("cuda: %s: %s (%s, CUresult %d)", e.call, e.msg, e.name, e.code)
}

// check turns a CUresult into nil or an error naming the call.
func (d *driver) check(call string, r int32) error {
	if r == cuSuccess {
		return nil
	}
	e := &cuError{call: call, code: r, name: "CUDA_ERROR_UNKNOWN", msg: "unknown error"}
	var s *byte
	if d.raw(fnGetErrorName, uintptr(r), uintptr(unsafe.Pointer(&s))) == cuSuccess && s != nil {
		e.name = goString(s)
	}
	s = nil
	if d.raw(fnGetErrorString, uintptr(r), uintptr(unsafe.Pointer(&s))) == cuSuccess && s != nil {
		e.msg = goString(s)
	}
	return e
}

// code is the CUresult of a driver error, or 0.
func code(err error) int32 {
	var e *cuError
	if errors.As(err, &e) {
		return e.code
	}
	return 0
}

// goString copies a NUL-terminated C string.
func goString(p *byte) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}
