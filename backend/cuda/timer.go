package cuda

import (
	"time"
	"unsafe"
)

// hold queues a kernel that keeps the stream busy for d of GPU time, so
// that work queued behind it while it runs then executes back to back.
func (d *Device) hold(t time.Duration) error {
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	return d.launch("spin", dims{1, 1, 1}, dims{1, 1, 1}, 0, i64(int(t.Nanoseconds())))
}

// gpuTime runs f, which queues work on the device, and returns the time the
// GPU spent between the start of the first and the end of the last piece
// of that work (events recorded on the stream around it), waiting for it.
// Calibration and benchmarks use it to tell kernel time from host overhead.
func (d *Device) gpuTime(f func() error) (time.Duration, error) {
	unlock, err := d.enter()
	if err != nil {
		return 0, err
	}
	defer unlock()
	var ev [2]uintptr
	for i := range ev {
		if err := d.drv.call(fnEventCreate, uintptr(unsafe.Pointer(&ev[i])), 0); err != nil {
			return 0, err
		}
		defer d.drv.raw(fnEventDestroy, ev[i])
	}
	if err := d.drv.call(fnEventRecord, ev[0], d.stream); err != nil {
		return 0, err
	}
	if err := f(); err != nil {
		return 0, err
	}
	if err := d.drv.call(fnEventRecord, ev[1], d.stream); err != nil {
		return 0, err
	}
	if err := d.drv.call(fnEventSynchronize, ev[1]); err != nil {
		return 0, err
	}
	var ms float32
	if err := d.drv.call(fnEventElapsedTime, uintptr(unsafe.Pointer(&ms)), ev[0], ev[1]); err != nil {
		return 0, err
	}
	return time.Duration(float64(ms) * float64(time.Millisecond)), nil
}
