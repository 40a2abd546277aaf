// Package cuda is the NVIDIA GPU backend: the op set as CUDA kernels, run
// through the driver API of libcuda.so.1, which is loaded at run time with
// purego (no cgo, no CUDA toolkit on users' machines). The kernels are
// written in CUDA C (kernels/*.cu), compiled to PTX by kernels/build.sh on a
// machine with the toolkit, committed, and embedded, once for compute
// capability 8.0 and once for 9.0; the driver compiles the newest the GPU
// runs when a Device is opened (8.0 or newer). On 9.0 (Hopper) and a CUDA
// 12.3 driver, kernels launch with programmatic dependent launch: each may
// start while the one before finishes, and waits for its results
// (kernels/common.cuh).
//
// Where there is no driver, New returns an error wrapping ErrNoDevice and
// the rest of Tern runs without the GPU.
//
// Weights: F32, F16, BF16, Q8_0, Q4_0, Q4_K and Q6_K (Alloc refuses other
// types with backend.ErrUnsupported). Q8_0, Q4_0 and Q6_K rows are stored
// in a device layout that allows 16-byte loads (layout.go); Upload and
// Download convert. MatMul converts activations as ggml's CPU backend does
// (F16/BF16 rounding, Q8_0 or Q8_K quantization) so results agree with
// backend/cpu to rounding, and reuses a conversion while its input is
// unchanged. One token takes the matrix-vector kernels, up to 15 tokens the
// same kernels eight tokens per pass, or from 2 tokens of Q8_0, Q4_K and
// Q6_K (8 of Q4_0) mmq.cu's tensor-core kernels on the same 8-bit
// activations;
// from 16 tokens on (4 for F16 and BF16 weights), products run on the
// tensor cores with activations rounded to F16 (BF16) and F32 sums (mmq.cu
// to 64 tokens of those four formats, mmp.cu and mma.cu otherwise).
//
// Steps (backend.Stepper) are recorded as CUDA graphs and replayed
// (graph.go). TopK (k = 1: argmax) and Softmax support sampling on the device
// (sample.go).
//
// Threads: a CUDA context is current per OS thread. Every method that calls
// the driver locks its goroutine to its OS thread for the call and makes the
// device's primary context current there (cuCtxSetCurrent is a thread-local
// store when it already is), so any goroutine may use the Device, one at a
// time, without a dedicated driver thread and the channel hop it would cost
// per op. All work goes to one stream, so ops run in the order they are
// queued; Download and Sync wait for them.
//
// It imports backend and quant; tests also import backend/cpu and model.
package cuda

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// minCompute is the oldest GPU the embedded PTX runs on (see kernels/build.sh).
const minCompute = 80

// Device is one NVIDIA GPU. It implements backend.Device.
//
// A Device is used by one goroutine at a time; Name, Kind and Memory may be
// called concurrently with the others.
type Device struct {
	drv      *driver
	name     string
	model    string
	dev      int32   // CUdevice
	sms      int     // streaming multiprocessors
	ctx      uintptr // primary context
	stream   uintptr // every op and copy is queued here
	modules  []uintptr
	modNames []string          // modules' names, for the trace test
	kernels  map[string]kernel // by kernel name
	// sharedOptin is the most shared memory a block may use.
	sharedOptin int
	// pdl: kernels that wait for their predecessors (kernel.pdl) are
	// launched with programmatic stream serialization (SetPDL).
	pdl, canPDL bool

	args *launchArgs // kernel parameter block, pinned
	pin  runtime.Pinner

	stage   staging // host→device ring for ids and batch tables
	scratch devMem  // quantized activations for MatMul
	results devMem  // TopK's per-segment candidates
	parts   devMem  // partial sums of products split along k
	// attParts: parts of attention split along the positions
	attParts devMem
	batch    batchCache
	conv     convCache
	// convHint is the conversion the last one-token product asked for,
	// mmaHint the last tensor-core product's: RMSNorm and SwiGLU do it as
	// they write, for the product that reads them next.
	convHint, mmaHint string
	gs                graphState // recorded steps (graph.go)
}

// New opens GPU number ordinal with the embedded kernels, or with those of
// $TERN_CUDA_PTX_DIR when it is set (PTXModules).
func New(ordinal int) (*Device, error) {
	mods, err := PTXModules()
	if err != nil {
		return nil, err
	}
	return open(ordinal, mods)
}

// open opens GPU number ordinal with the given PTX modules (tests pass
// freshly built ones).
func open(ordinal int, modules map[string][]byte) (*Device, error) {
	drv, err := openDriver()
	if err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	switch r := drv.raw(fnInit, 0); r {
	case cuSuccess:
	case cuErrNoDevice, cuErrInsufficientDrv:
		return nil, fmt.Errorf("%w: %w", ErrNoDevice, drv.check("cuInit", r))
	default:
		return nil, drv.check("cuInit", r)
	}
	var count int32
	if err := drv.call(fnDeviceGetCount, uintptr(unsafe.Pointer(&count))); err != nil {
		return nil, err
	}
	if ordinal < 0 || ordinal >= int(count) {
		return nil, fmt.Errorf("%w: GPU %d of %d", ErrNoDevice, ordinal, count)
	}
	d := &Device{drv: drv, name: fmt.Sprintf("cuda%d", ordinal), kernels: map[string]kernel{}}
	if err := drv.call(fnDeviceGet, uintptr(unsafe.Pointer(&d.dev)), uintptr(ordinal)); err != nil {
		return nil, err
	}
	var name [256]byte
	if err := drv.call(fnDeviceGetName, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)-1), uintptr(d.dev)); err != nil {
		return nil, err
	}
	d.model = strings.TrimSpace(goString(&name[0]))
	var major, minor int32
	if err := drv.call(fnDeviceGetAttr, uintptr(unsafe.Pointer(&major)), attrComputeMajor, uintptr(d.dev)); err != nil {
		return nil, err
	}
	if err := drv.call(fnDeviceGetAttr, uintptr(unsafe.Pointer(&minor)), attrComputeMinor, uintptr(d.dev)); err != nil {
		return nil, err
	}
	var sms int32
	if err := drv.call(fnDeviceGetAttr, uintptr(unsafe.Pointer(&sms)), attrSMCount, uintptr(d.dev)); err != nil {
		return nil, err
	}
	d.sms = int(sms)
	var optin int32
	if err := drv.call(fnDeviceGetAttr, uintptr(unsafe.Pointer(&optin)), attrSharedOptin, uintptr(d.dev)); err != nil {
		return nil, err
	}
	d.sharedOptin = int(optin)
	cc := int(major*10 + minor)
	if cc < minCompute {
		return nil, fmt.Errorf("cuda: %s is compute capability %d.%d; Tern's kernels need %d.%d or newer", d.model, major, minor, minCompute/10, minCompute%10)
	}
	modules = forCompute(modules, cc)
	var version int32
	if err := drv.call(fnDriverGetVersion, uintptr(unsafe.Pointer(&version))); err != nil {
		return nil, err
	}
	// Programmatic dependent launch needs compute capability 9.0 and, to be
	// recorded in graphs, a CUDA 12.3 driver.
	d.canPDL = cc >= 90 && version >= 12030 && drv.fn[fnLaunchKernelEx] != 0
	d.pdl = d.canPDL
	if err := drv.call(fnPrimaryCtxRetain, uintptr(unsafe.Pointer(&d.ctx)), uintptr(d.dev)); err != nil {
		return nil, err
	}
	if err := d.init(modules); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// init makes the context current and sets up the stream, the kernels and
// the staging buffers. The caller holds the OS thread.
func (d *Device) init(modules map[string][]byte) error {
	if err := d.drv.call(fnCtxSetCurrent, d.ctx); err != nil {
		return err
	}
	if err := d.drv.call(fnStreamCreate, uintptr(unsafe.Pointer(&d.stream)), 0); err != nil {
		return err
	}
	d.args = new(launchArgs)
	d.pin.Pin(d.args)
	for i := range d.args.ptrs {
		d.args.ptrs[i] = uintptr(unsafe.Pointer(&d.args.vals[i]))
	}
	for name, ptx := range modules {
		if err := d.loadModule(name, ptx); err != nil {
			return err
		}
	}
	return d.stage.init(d, stagingBytes)
}

// loadModule has the driver compile one PTX module and finds its kernels
// (every .entry).
func (d *Device) loadModule(name string, ptx []byte) error {
	image := make([]byte, len(ptx)+1) // NUL-terminated
	copy(image, ptx)
	logBuf := make([]byte, 8192)
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(&logBuf[0])
	opts := [2]int32{jitErrorLogBuffer, jitErrorLogBufferSize}
	vals := [2]uintptr{uintptr(unsafe.Pointer(&logBuf[0])), uintptr(len(logBuf))}
	var mod uintptr
	err := d.drv.call(fnModuleLoadDataEx, uintptr(unsafe.Pointer(&mod)), uintptr(unsafe.Pointer(&image[0])),
		uintptr(len(opts)), uintptr(unsafe.Pointer(&opts[0])), uintptr(unsafe.Pointer(&vals[0])))
	runtime.KeepAlive(image)
	if err != nil {
		if msg := goString(&logBuf[0]); msg != "" {
			return fmt.Errorf("cuda: module %s: %w: %s", name, err, msg)
		}
		return fmt.Errorf("cuda: module %s: %w", name, err)
	}
	d.modules, d.modNames = append(d.modules, mod), append(d.modNames, name)
	for _, k := range ptxKernels(ptx) {
		cname := append([]byte(k.name), 0)
		var fn uintptr
		if err := d.drv.call(fnModuleGetFunction, uintptr(unsafe.Pointer(&fn)), mod, uintptr(unsafe.Pointer(&cname[0]))); err != nil {
			return fmt.Errorf("cuda: module %s: kernel %s: %w", name, k.name, err)
		}
		if _, dup := d.kernels[k.name]; dup {
			return fmt.Errorf("cuda: kernel %s is defined by two modules", k.name)
		}
		d.kernels[k.name] = kernel{fn: fn, pdl: k.pdl}
	}
	return nil
}

// Close waits for queued work and releases everything the device holds;
// tensors allocated on it must not be used afterwards.
func (d *Device) Close() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := d.drv.call(fnCtxSetCurrent, d.ctx); err != nil {
		return err
	}
	err := d.drv.call(fnCtxSynchronize)
	d.close()
	return err
}

// close releases what init set up, on the caller's locked thread.
func (d *Device) close() {
	if d.ctx == 0 {
		return
	}
	d.drv.raw(fnCtxSetCurrent, d.ctx)
	d.freeGraphs()
	d.scratch.free(d)
	d.results.free(d)
	d.parts.free(d)
	d.attParts.free(d)
	d.stage.free(d)
	for _, m := range d.modules {
		d.drv.raw(fnModuleUnload, m)
	}
	d.modules = nil
	if d.stream != 0 {
		d.drv.raw(fnStreamDestroy, d.stream)
		d.stream = 0
	}
	d.pin.Unpin()
	d.drv.raw(fnPrimaryCtxRelease, uintptr(d.dev))
	d.ctx = 0
}

// enter locks the goroutine to its thread and makes the context current;
// the caller defers the returned unlock. Inside Step both are already done.
func (d *Device) enter() (unlock func(), err error) {
	if d.gs.stepping {
		return noUnlock, nil
	}
	return d.enterThread()
}

func noUnlock() {}

// enterThread is enter for methods that may run concurrently with a step
// (Memory): it always locks and sets the context.
func (d *Device) enterThread() (unlock func(), err error) {
	runtime.LockOSThread()
	if d.ctx == 0 {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("cuda: %s is closed", d.name)
	}
	if err := d.drv.call(fnCtxSetCurrent, d.ctx); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return runtime.UnlockOSThread, nil
}

func (d *Device) Name() string       { return d.name }
func (d *Device) Kind() backend.Kind { return backend.CUDA }

// Model is the GPU's name as the driver reports it ("NVIDIA H100 80GB HBM3").
func (d *Device) Model() string { return d.model }

// DriverVersion is the CUDA version the driver supports, as 1000·major +
// 10·minor (12040 for 12.4).
func (d *Device) DriverVersion() (int, error) {
	var v int32
	err := d.drv.call(fnDriverGetVersion, uintptr(unsafe.Pointer(&v)))
	return int(v), err
}

// Memory asks the driver for the GPU's free and total memory now.
func (d *Device) Memory() (free, total uint64, err error) {
	unlock, err := d.enterThread()
	if err != nil {
		return 0, 0, err
	}
	defer unlock()
	err = d.drv.call(fnMemGetInfo, uintptr(unsafe.Pointer(&free)), uintptr(unsafe.Pointer(&total)))
	return free, total, err
}

// Sync waits for every op and copy queued so far.
func (d *Device) Sync() error {
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	return d.drv.call(fnStreamSynchronize, d.stream)
}

// copyDevice queues a copy of n bytes between device addresses.
func (d *Device) copyDevice(dst, src uint64, n int) error {
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	return d.drv.call(fnMemcpyDtoDAsync, uintptr(dst), uintptr(src), uintptr(n), d.stream)
}

// maxParams is the most parameters a kernel of the package takes.
const maxParams = 40

// launchArgs is cuLaunchKernel's parameter block: ptrs[i] points at
// vals[i], which holds parameter i (a device pointer, or a 4-byte value in
// its low bytes); cuLaunchKernelEx's configuration and its one attribute.
// It is pinned for the device's lifetime.
type launchArgs struct {
	vals [maxParams]uint64
	ptrs [maxParams]uintptr
	cfg  launchConfig
	attr launchAttr
}

// launchConfig is CUlaunchConfig (cuda.h).
type launchConfig struct {
	grid, block dims
	shared      uint32
	stream      uintptr
	attrs       uintptr // *launchAttr
	nattrs      uint32
}

// launchAttr is CUlaunchAttribute: an id and a 64-byte value union.
type launchAttr struct {
	id    uint32
	_     uint32
	value [8]uint64
}

// attrProgrammaticSerialization is
// CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION: the kernel may
// start before the one queued before it completes; it waits for it with
// griddepcontrol.wait.
const attrProgrammaticSerialization = 6

// kernel is a loaded kernel.
type kernel struct {
	fn  uintptr // CUfunction
	pdl bool    // ptxKernel.pdl
	// shared is the dynamic shared memory the kernel may use, once raised
	// past the 48 KiB every kernel may (0: not raised).
	shared int
}

// SetPDL turns programmatic dependent launch on (the default where the GPU
// and driver have it) or off, for benchmarks to compare, and drops the
// recorded steps, which were recorded with the other setting. It reports
// whether it is on.
func (d *Device) SetPDL(on bool) (bool, error) {
	if want := on && d.canPDL; want == d.pdl {
		return d.pdl, nil
	}
	unlock, err := d.enter()
	if err != nil {
		return d.pdl, err
	}
	defer unlock()
	if err := d.drv.call(fnStreamSynchronize, d.stream); err != nil {
		return d.pdl, err
	}
	d.freeGraphs()
	d.pdl = !d.pdl
	return d.pdl, nil
}

// Kernel parameter encodings.
func i32(v int) uint64     { return uint64(uint32(int32(v))) }
func i64(v int) uint64     { return uint64(int64(v)) }
func f32(v float32) uint64 { return uint64(math.Float32bits(v)) }

// dims are launch dimensions.
type dims struct{ x, y, z uint32 }

// launch queues kernel name on the stream. The caller holds the context
// (enter).
func (d *Device) launch(name string, grid, block dims, shared int, params ...uint64) error {
	k, ok := d.kernels[name]
	fn := k.fn
	if !ok {
		return fmt.Errorf("cuda: no kernel %s in the loaded modules", name)
	}
	if len(params) > maxParams {
		return fmt.Errorf("cuda: kernel %s: %d parameters", name, len(params))
	}
	if grid.x == 0 || grid.y == 0 || grid.z == 0 {
		return nil // nothing to do
	}
	if shared > 48<<10 && shared > k.shared {
		if shared > d.sharedOptin {
			return fmt.Errorf("cuda: kernel %s: %d bytes of shared memory, the GPU allows %d", name, shared, d.sharedOptin)
		}
		if err := d.drv.call(fnFuncSetAttribute, fn, funcAttrMaxDynamicShared, uintptr(shared)); err != nil {
			return fmt.Errorf("cuda: kernel %s: %w", name, err)
		}
		k.shared = shared
		d.kernels[name] = k
	}
	switch r := &d.gs.run; {
	case r.mode == modeReplay:
		if err := r.check(fn, grid, block, shared, params); err != nil {
			return err
		}
		return d.checked()
	case r.mode == modeSkip && r.launches < r.skip:
		r.launches++
		return nil
	}
	copy(d.args.vals[:], params)
	var err error
	if k.pdl && d.pdl {
		a := d.args
		a.cfg = launchConfig{grid: grid, block: block, shared: uint32(shared), stream: d.stream,
			attrs: uintptr(unsafe.Pointer(&a.attr)), nattrs: 1}
		a.attr = launchAttr{id: attrProgrammaticSerialization, value: [8]uint64{1}}
		err = d.drv.call(fnLaunchKernelEx, uintptr(unsafe.Pointer(&a.cfg)), fn, uintptr(unsafe.Pointer(&a.ptrs[0])), 0)
	} else {
		err = d.drv.call(fnLaunchKernel, fn, uintptr(grid.x), uintptr(grid.y), uintptr(grid.z),
			uintptr(block.x), uintptr(block.y), uintptr(block.z), uintptr(shared), d.stream,
			uintptr(unsafe.Pointer(&d.args.ptrs[0])), 0)
	}
	if err != nil {
		return fmt.Errorf("cuda: %s: %w", name, err)
	}
	if r := &d.gs.run; r.mode == modeCapture {
		r.note(fn, grid, block, shared, params)
		if r.launches == r.cut {
			return d.closePart(true)
		}
	}
	return nil
}

// blocks is the number of size-wide blocks covering n items.
func blocks(n, size int) uint32 { return uint32((n + size - 1) / size) }

// checkQuant reports whether t is a type this backend stores.
func checkQuant(t quant.Type) error {
	switch t {
	case quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K:
		return nil
	}
	return fmt.Errorf("cuda: %w: tensor type %s", backend.ErrUnsupported, t)
}
