package backend

import (
	"fmt"

	"github.com/tern-llm/tern/quant"
)

type quantType = quant.Type

// Buffer is a block of memory on one device. Backends implement it; callers
// only pass it around.
type Buffer interface {
	// Device is the device whose memory this is.
	Device() Device
}

// Tensor is a row-major matrix of Rows rows of Cols elements of Type, stored
// in a device Buffer at byte offset Off. Vectors are 1×n or n×1 as the op
// documents; activations are F32 rows, one per token.
//
// A Tensor value is a view: several may share a Buffer (see Rows, Reshape).
type Tensor struct {
	Type       quant.Type
	Rows, Cols int
	Buf        Buffer
	Off        int // byte offset of row 0 in Buf
}

// NewTensor describes a tensor in buf. It checks the shape, not the buffer.
func NewTensor(buf Buffer, off int, t quant.Type, rows, cols int) (*Tensor, error) {
	if _, err := checkShape(t, rows, cols); err != nil {
		return nil, err
	}
	return &Tensor{Type: t, Rows: rows, Cols: cols, Buf: buf, Off: off}, nil
}

// Device is the device holding the tensor.
func (t *Tensor) Device() Device { return t.Buf.Device() }

// RowBytes is the size of one row in bytes.
func (t *Tensor) RowBytes() int {
	n, _ := t.Type.RowBytes(t.Cols)
	return n
}

// Bytes is the size of the tensor's data in bytes.
func (t *Tensor) Bytes() int { return t.RowBytes() * t.Rows }

// Elements is Rows×Cols.
func (t *Tensor) Elements() int { return t.Rows * t.Cols }

// Slice returns the view of rows [from, to).
func (t *Tensor) Slice(from, to int) (*Tensor, error) {
	if from < 0 || to < from || to > t.Rows {
		return nil, fmt.Errorf("backend: rows [%d,%d) of a %d-row tensor", from, to, t.Rows)
	}
	v := *t
	v.Rows = to - from
	v.Off = t.Off + from*t.RowBytes()
	return &v, nil
}

// Reshape returns a view of the same bytes as rows×cols. The element count
// must not change and rows must stay whole blocks.
func (t *Tensor) Reshape(rows, cols int) (*Tensor, error) {
	if rows*cols != t.Rows*t.Cols {
		return nil, fmt.Errorf("backend: cannot reshape %d×%d to %d×%d", t.Rows, t.Cols, rows, cols)
	}
	if _, err := checkShape(t.Type, rows, cols); err != nil {
		return nil, err
	}
	v := *t
	v.Rows, v.Cols = rows, cols
	return &v, nil
}

func (t *Tensor) String() string {
	return fmt.Sprintf("%s[%d×%d]", t.Type, t.Rows, t.Cols)
}
