// Package backend defines what a compute device must provide to run a model:
// memory that can be asked of it live, tensors allocated in that memory, and a
// small set of tensor operations (the op set). Backends (backend/cpu,
// backend/cuda, backend/metal) implement it; models are written against it and
// know nothing about devices; the planner decides which device runs what.
//
// Like database/sql/driver, this package holds only what a backend must do.
// Budgets, placement and retries live above it (plan, engine). Fast paths
// that only some devices have are optional interfaces found by type assertion.
//
// It imports only quant.
package backend

import (
	"errors"
	"fmt"
)

// Kind says what sort of device a Device is.
type Kind string

// The device kinds Tern knows.
const (
	CPU   Kind = "cpu"
	CUDA  Kind = "cuda"
	Metal Kind = "metal"
)

// ErrOutOfMemory is wrapped by an Alloc that exceeds the device's budget or
// its physical memory. The planner exists so that this never reaches a user.
var ErrOutOfMemory = errors.New("backend: out of memory")

// ErrSkip is returned by an optional fast path that declines a shape; the
// caller falls back to the general path.
var ErrSkip = errors.New("backend: skip")

// ErrUnsupported is wrapped when a device has no kernel for a weight format or op.
var ErrUnsupported = errors.New("backend: unsupported")

// Device is one compute device: a set of cores and the memory they work in.
//
// A Device is used by one goroutine at a time (the engine's step loop); the
// only methods that may be called concurrently with others are Name, Kind and
// Memory.
type Device interface {
	// Name identifies the device to users ("cpu", "cuda0").
	Name() string
	// Kind is the sort of device.
	Kind() Kind
	// Memory reports the device's memory now: bytes free and total. It is
	// asked at every decision, never cached.
	Memory() (free, total uint64, err error)

	// Alloc allocates a rows×cols tensor of type t. Its contents are undefined.
	Alloc(t quantType, rows, cols int) (*Tensor, error)
	// Free releases a tensor allocated by Alloc. Views must not outlive it.
	Free(t *Tensor)
	// Upload copies host bytes (t's own encoding) into a tensor of this device.
	Upload(dst *Tensor, src []byte) error
	// Download copies a tensor of this device into host memory.
	Download(dst []byte, src *Tensor) error
	// Sync waits until all work queued on the device has finished.
	Sync() error

	Ops
}

// HostMapper is implemented by devices that can use host memory in place
// (the CPU): Map wraps bytes, such as a memory-mapped GGUF tensor, as a
// tensor without copying them. The bytes must stay valid and unmodified for
// the tensor's lifetime. Devices without it get weights through Upload.
type HostMapper interface {
	Map(t quantType, rows, cols int, data []byte) (*Tensor, error)
}

// checkShape validates a tensor shape against a type's block size.
func checkShape(t quantType, rows, cols int) (int, error) {
	if rows < 0 || cols < 0 {
		return 0, fmt.Errorf("backend: negative shape %d×%d", rows, cols)
	}
	rb, err := t.RowBytes(cols)
	if err != nil {
		return 0, fmt.Errorf("backend: %w", err)
	}
	if rows > 0 && rb > maxInt/rows {
		return 0, fmt.Errorf("backend: %d×%d %s overflows", rows, cols, t)
	}
	return rb * rows, nil
}

const maxInt = int(^uint(0) >> 1)
