// Package gguf reads and writes GGUF, the file format of llama.cpp's models:
// a header, typed metadata (key → value), tensor descriptions, and aligned
// tensor data.
//
// Files are memory-mapped and tensor data is handed out zero-copy. The reader
// trusts nothing in the file: every count, length, offset and shape is checked
// against the file's size before it is used, so a malformed or truncated file
// gives an error that names the problem, never a panic or an allocation larger
// than the file. The package knows nothing about models: metadata keys mean
// nothing to it except general.alignment.
package gguf

import (
	"errors"
	"fmt"
	"sort"

	"github.com/tern-llm/tern/quant"
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the alignment of tensor data when general.alignment is absent.
const DefaultAlignment = 32

// KeyAlignment is the one metadata key this package interprets.
const KeyAlignment = "general.alignment"

// maxDims is GGML_MAX_DIMS: a tensor has at most four dimensions.
const maxDims = 4

// maxNesting bounds arrays of arrays, so a hostile file cannot recurse deeply.
const maxNesting = 8

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("gguf: malformed file")

// ValueType is the type tag of a metadata value.
type ValueType uint32

// The metadata value types of GGUF.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// size is the encoded size of a fixed-size value type, or 0 for string and array.
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// KV is one metadata entry.
type KV struct {
	Key string
	// Value is one of uint8, int8, uint16, int16, uint32, int32, uint64,
	// int64, float32, float64, bool, string, or Array.
	Value any
}

// Array is a metadata array. Values is a slice of the element type
// ([]uint8 … []float64, []bool, []string), or []Array when arrays nest.
type Array struct {
	Elem   ValueType
	Values any
}

// Len is the number of elements in the array.
func (a Array) Len() int {
	switch v := a.Values.(type) {
	case []uint8:
		return len(v)
	case []int8:
		return len(v)
	case []uint16:
		return len(v)
	case []int16:
		return len(v)
	case []uint32:
		return len(v)
	case []int32:
		return len(v)
	case []uint64:
		return len(v)
	case []int64:
		return len(v)
	case []float32:
		return len(v)
	case []float64:
		return len(v)
	case []bool:
		return len(v)
	case []string:
		return len(v)
	case []Array:
		return len(v)
	}
	return 0
}

// Tensor describes one tensor of the file.
type Tensor struct {
	Name string
	Type quant.Type
	// Shape is in GGML order: Shape[0] is the row length (the innermost,
	// contiguous dimension), Shape[1] the number of rows, and so on.
	Shape []int
	// Offset is where the tensor's data begins, relative to File.DataOffset.
	Offset int64
	// Size is the tensor's data size in bytes.
	Size int64
}

// Elements is the number of elements of the tensor.
func (t *Tensor) Elements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Rows is the number of rows: the product of all dimensions but the first.
func (t *Tensor) Rows() int {
	n := 1
	for _, d := range t.Shape[1:] {
		n *= d
	}
	return n
}

// File is a parsed GGUF file. Its methods may be called from several
// goroutines at once; Close must not race with them.
type File struct {
	Version    uint32
	Alignment  int
	KV         []KV
	Tensors    []Tensor
	DataOffset int64

	data    []byte // the whole file
	unmap   func() error
	kvIndex map[string]int
	tIndex  map[string]int
}

// Close releases the file's mapping. Tensor data handed out by Data must not
// be used afterwards.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap, f.data = nil, nil
	return err
}

// Size is the size of the file in bytes.
func (f *File) Size() int64 { return int64(len(f.data)) }

// Lookup returns the value of a metadata key.
func (f *File) Lookup(key string) (any, bool) {
	i, ok := f.kvIndex[key]
	if !ok {
		return nil, false
	}
	return f.KV[i].Value, true
}

// Tensor returns the tensor named name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	i, ok := f.tIndex[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// Data returns the bytes of a tensor of this file without copying them.
// The slice aliases the file's read-only mapping: never write to it.
func (f *File) Data(t *Tensor) []byte {
	start := f.DataOffset + t.Offset
	return f.data[start : start+t.Size : start+t.Size]
}

// index builds the lookup maps and checks names are unique.
func (f *File) index() error {
	f.kvIndex = make(map[string]int, len(f.KV))
	for i, kv := range f.KV {
		if _, dup := f.kvIndex[kv.Key]; dup {
			return fmt.Errorf("%w: duplicate metadata key %q", ErrFormat, kv.Key)
		}
		f.kvIndex[kv.Key] = i
	}
	f.tIndex = make(map[string]int, len(f.Tensors))
	for i, t := range f.Tensors {
		if _, dup := f.tIndex[t.Name]; dup {
			return fmt.Errorf("%w: duplicate tensor name %q", ErrFormat, t.Name)
		}
		f.tIndex[t.Name] = i
	}
	return nil
}

// checkData verifies that every tensor's data lies inside the file and that
// no two tensors overlap.
func (f *File) checkData() error {
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	size := int64(len(f.data))
	var prevEnd int64 = -1
	var prev string
	for _, i := range order {
		t := &f.Tensors[i]
		if t.Offset%int64(f.Alignment) != 0 {
			return fmt.Errorf("%w: tensor %q: offset %d is not a multiple of the alignment %d", ErrFormat, t.Name, t.Offset, f.Alignment)
		}
		if f.DataOffset > size || t.Offset > size-f.DataOffset || t.Size > size-f.DataOffset-t.Offset {
			return fmt.Errorf("%w: tensor %q: data [%d, +%d) lies outside the file (%d bytes)", ErrFormat, t.Name, f.DataOffset+t.Offset, t.Size, size)
		}
		if t.Size > 0 && t.Offset < prevEnd {
			return fmt.Errorf("%w: tensor %q overlaps tensor %q", ErrFormat, t.Name, prev)
		}
		if t.Size > 0 {
			prevEnd, prev = t.Offset+t.Size, t.Name
		}
	}
	return nil
}
