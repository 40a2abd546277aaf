package cuda

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// buffer is one device allocation.
type buffer struct {
	dev  *Device
	ptr  uint64 // CUdeviceptr; 0 once freed
	size int
}

func (b *buffer) Device() backend.Device { return b.dev }

// Alloc allocates a rows×cols tensor of type t in device memory. Q8_0 and
// Q4_0 tensors are stored in the device layout of layout.go; Upload and
// Download convert.
func (d *Device) Alloc(t quant.Type, rows, cols int) (*backend.Tensor, error) {
	if err := checkQuant(t); err != nil {
		return nil, err
	}
	rb, err := t.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("cuda: %w", err)
	}
	if rows < 0 || (rows > 0 && rb > int(^uint(0)>>1)/rows) {
		return nil, fmt.Errorf("cuda: %d×%d %s: bad shape", rows, cols, t)
	}
	b := &buffer{dev: d, size: rb * rows}
	if b.size > 0 {
		unlock, err := d.enter()
		if err != nil {
			return nil, err
		}
		defer unlock()
		if b.ptr, err = d.malloc(b.size); err != nil {
			return nil, fmt.Errorf("cuda: %d×%d %s: %w", rows, cols, t, err)
		}
	}
	return backend.NewTensor(b, 0, t, rows, cols)
}

// malloc allocates device memory; running out wraps backend.ErrOutOfMemory.
func (d *Device) malloc(n int) (uint64, error) {
	var p uint64
	err := d.drv.call(fnMemAlloc, uintptr(unsafe.Pointer(&p)), uintptr(n))
	if code(err) == cuErrOutOfMemory {
		return 0, fmt.Errorf("%w: %d bytes on %s: %w", backend.ErrOutOfMemory, n, d.name, err)
	}
	return p, err
}

// Free releases the buffer of a tensor from Alloc, once queued work that
// uses it has finished (cuMemFree waits for it).
func (d *Device) Free(t *backend.Tensor) {
	b, ok := t.Buf.(*buffer)
	if !ok || b.dev != d || b.ptr == 0 {
		return
	}
	unlock, err := d.enter()
	if err != nil {
		return
	}
	defer unlock()
	d.wrote(t)
	d.drv.raw(fnMemFree, uintptr(b.ptr))
	b.ptr = 0
}

// ptr is the device address of a tensor of this device, checked against its buffer.
func (d *Device) ptr(t *backend.Tensor) (uint64, error) {
	b, ok := t.Buf.(*buffer)
	if !ok || b.dev != d {
		return 0, fmt.Errorf("cuda: tensor %v is not on %s", t, d.name)
	}
	if b.ptr == 0 && b.size > 0 {
		return 0, fmt.Errorf("cuda: tensor %v was freed", t)
	}
	if t.Off < 0 || t.Off > b.size || t.Bytes() > b.size-t.Off {
		return 0, fmt.Errorf("cuda: tensor %v at %d lies outside its %d-byte buffer", t, t.Off, b.size)
	}
	return b.ptr + uint64(t.Off), nil
}

// f32ptr is ptr for a tensor that must be F32.
func (d *Device) f32ptr(t *backend.Tensor) (uint64, error) {
	if t.Type != quant.F32 {
		return 0, fmt.Errorf("cuda: tensor %v: want F32", t)
	}
	return d.ptr(t)
}

// Upload copies host bytes in dst's GGUF encoding into dst, converting
// Q8_0 and Q4_0 rows to the device layout. It returns once src may be reused.
func (d *Device) Upload(dst *backend.Tensor, src []byte) error {
	p, err := d.ptr(dst)
	if err != nil {
		return err
	}
	if len(src) != dst.Bytes() {
		return fmt.Errorf("cuda: upload of %d bytes into %v (%d bytes)", len(src), dst, dst.Bytes())
	}
	if len(src) == 0 {
		return nil
	}
	if repacked(dst.Type) {
		buf := make([]byte, len(src))
		if err := toDevice(dst.Type, buf, src, dst.Rows, dst.Cols); err != nil {
			return err
		}
		src = buf
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(dst)
	// The synchronous copy is ordered after the stream's queued work (the
	// stream is a blocking one) and returns once src has been read.
	return d.drv.call(fnMemcpyHtoD, uintptr(p), uintptr(unsafe.Pointer(&src[0])), uintptr(len(src)))
}

// Download waits for queued work and copies src into host memory, in the
// GGUF encoding of its type.
func (d *Device) Download(dst []byte, src *backend.Tensor) error {
	p, err := d.ptr(src)
	if err != nil {
		return err
	}
	if len(dst) != src.Bytes() {
		return fmt.Errorf("cuda: download of %v (%d bytes) into %d bytes", src, src.Bytes(), len(dst))
	}
	if len(dst) == 0 {
		return nil
	}
	out := dst
	if repacked(src.Type) {
		out = make([]byte, len(dst))
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	var pin runtime.Pinner
	pin.Pin(&out[0]) // the copy may finish after the call returns
	err = d.drv.call(fnMemcpyDtoHAsync, uintptr(unsafe.Pointer(&out[0])), uintptr(p), uintptr(len(out)), d.stream)
	if err == nil {
		err = d.drv.call(fnStreamSynchronize, d.stream)
	}
	pin.Unpin()
	if err != nil {
		return err
	}
	if repacked(src.Type) {
		return fromDevice(src.Type, dst, out, src.Rows, src.Cols)
	}
	return nil
}

// stagingBytes is the initial size of the staging ring: enough for the
// batch tables of hundreds of sequences.
const stagingBytes = 1 << 20

// stagingAlign keeps staged arrays 256-byte aligned, as cuMemAlloc's are.
const stagingAlign = 256

// staging copies small host arrays (token ids, batch tables) to the device
// through page-locked host memory, so the copies queue on the stream
// without waiting. Both sides are rings of the same size: a region is
// reused only after the stream has been synchronized (epoch counts those
// times), so a queued kernel never sees its input overwritten.
type staging struct {
	host  unsafe.Pointer // page-locked, from cuMemAllocHost
	dev   uint64
	size  int
	off   int
	epoch int
}

func (s *staging) init(d *Device, size int) error {
	if err := d.drv.call(fnMemAllocHost, uintptr(unsafe.Pointer(&s.host)), uintptr(size)); err != nil {
		return err
	}
	p, err := d.malloc(size)
	if err != nil {
		d.drv.raw(fnMemFreeHost, uintptr(s.host))
		s.host = nil
		return err
	}
	s.dev, s.size, s.off = p, size, 0
	return nil
}

func (s *staging) free(d *Device) {
	if s.host != nil {
		d.drv.raw(fnMemFreeHost, uintptr(s.host))
		s.host = nil
	}
	if s.dev != 0 {
		d.drv.raw(fnMemFree, uintptr(s.dev))
		s.dev = 0
	}
}

// put queues a copy of v to the device and returns its device address,
// valid for kernels queued before the next epoch. The caller holds the
// context.
func (d *Device) put(v []int32) (uint64, error) {
	if m := d.gs.run.mode; m == modeCapture || m == modeReplay {
		return d.gs.run.stage(v)
	}
	s := &d.stage
	n := (4*len(v) + stagingAlign - 1) &^ (stagingAlign - 1)
	if n == 0 {
		return s.dev, nil
	}
	if s.off+n > s.size {
		if err := d.drv.call(fnStreamSynchronize, d.stream); err != nil {
			return 0, err
		}
		s.off = 0
		s.epoch++
		if n > s.size {
			s.free(d)
			if err := s.init(d, max(n, 2*s.size)); err != nil {
				return 0, err
			}
		}
	}
	host := unsafe.Slice((*int32)(unsafe.Add(s.host, s.off)), len(v))
	copy(host, v)
	p := s.dev + uint64(s.off)
	if err := d.drv.call(fnMemcpyHtoDAsync, uintptr(p), uintptr(unsafe.Add(s.host, s.off)), uintptr(4*len(v)), d.stream); err != nil {
		return 0, err
	}
	s.off += n
	return p, nil
}

// devMem is a device buffer that grows on demand.
type devMem struct {
	ptr  uint64
	size int
}

// get returns at least n bytes. Growing waits for queued work that may
// still use the old buffer. The caller holds the context.
func (m *devMem) get(d *Device, n int) (uint64, error) {
	if n <= m.size {
		return m.ptr, nil
	}
	if r := &d.gs.run; r.mode == modeCapture || r.mode == modeReplay || (r.mode == modeSkip && r.launches < r.skip) {
		return 0, errGraphMismatch // no synchronizing in a recorded step, nor dropping what its kernels wrote
	}
	if err := d.drv.call(fnStreamSynchronize, d.stream); err != nil {
		return 0, err
	}
	d.conv.valid = false // the only user of the buffer that outlives a call
	m.free(d)
	p, err := d.malloc(max(n, 2*m.size))
	if err != nil {
		return 0, err
	}
	m.ptr, m.size = p, max(n, 2*m.size)
	return p, nil
}

func (m *devMem) free(d *Device) {
	if m.ptr != 0 {
		d.drv.raw(fnMemFree, uintptr(m.ptr))
		m.ptr, m.size = 0, 0
	}
}
