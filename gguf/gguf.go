// Package gguf reads and writes GGUF, the file format of llama.cpp's models:
// a header, typed metadata (key → value), tensor descriptions, and aligned
// tensor data. It reads versions 2 and 3 (little-endian) and writes version 3.
//
// Open memory-maps a file and hands tensor data out zero-copy (File.Data);
// Parse does the same for bytes in memory. The reader trusts nothing in the
// file: every count, length, offset and shape is checked against the bytes
// left before it is used, so a malformed or truncated file gives an error
// wrapping ErrFormat that names the problem, never a panic, and parsing
// allocates at most a small multiple of the file's size: about 5× for the
// densest valid files (thousands of tiny metadata entries, each a KV and a
// map entry), and counts claiming more than the file holds are refused
// before anything is allocated for them.
//
// Writer writes files, pulling each tensor's data from a function as it goes,
// so files larger than memory can be written. Files read and copied through
// a Writer come out byte-identical to llama.cpp's.
//
// The package knows nothing about models: metadata keys mean nothing to it
// except general.alignment.
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
// (llama.cpp itself reads no nested arrays; 8 leaves room for any real use.)
const maxNesting = 8

// maxAlignment bounds general.alignment. Real files use 32; a huge alignment
// would only pad the file with zeros.
const maxAlignment = 1 << 30

// ErrFormat is wrapped by every error about a malformed file; the text after
// it names the problem, and where it was found (metadata key, tensor, byte).
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

// Rows is the number of rows: the product of all dimensions but the first
// (1 for a tensor of no dimensions).
func (t *Tensor) Rows() int {
	n := 1
	for i, d := range t.Shape {
		if i > 0 {
			n *= d
		}
	}
	return n
}

// File is a parsed GGUF file. Its methods may be called from several
// goroutines at once; Close must not race with them.
//
// Metadata (KV, Tensors and what the accessors return) is copied out of the
// file and stays valid after Close; slices in it must not be modified. Tensor
// data (Data) is not copied: it lives in the file's mapping and dies with it.
type File struct {
	Version   uint32   // 2 or 3
	Alignment int      // general.alignment, or DefaultAlignment
	KV        []KV     // metadata, in file order
	Tensors   []Tensor // in file order (not necessarily offset order)
	// DataOffset is where tensor data begins: the end of the tensor infos
	// rounded up to Alignment. Tensor offsets are relative to it.
	DataOffset int64

	data    []byte // the whole file; nil once closed
	infoOff int    // where the tensor infos begin (for tests)
	closed  bool
	unmap   func() error
	kvIndex map[string]int
	tIndex  map[string]int
}

// Close releases the file's mapping (for a File from Parse, it only drops
// the reference to the caller's buffer). Closing twice is harmless.
//
// After Close, Data panics with a message saying the File is closed. Slices
// that Data returned before Close must no longer be used: for a File from
// Open they point into memory that is unmapped, and reading them is a
// use-after-free that kills the process with "unexpected fault address"
// (SIGSEGV) — or, once the address is mapped again, silently reads other
// data. Callers that need tensor bytes past Close must copy them first.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed, f.data = true, nil
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap = nil
	return err
}

// Size is the size of the file in bytes (0 after Close).
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
// The slice aliases the file's read-only mapping: never write to it (for a
// File from Open that is a fault), and never use it after Close (see Close).
//
// t must be one of f.Tensors (or a copy of one). Data panics, with a message
// that says why, when f is closed or t's data is not inside the file: both
// are bugs in the caller, not in the file.
func (f *File) Data(t *Tensor) []byte {
	if f.closed {
		panic(fmt.Sprintf("gguf: Data(%q) called on a closed File", t.Name))
	}
	start := f.DataOffset + t.Offset
	if t.Offset < 0 || t.Size < 0 || start < f.DataOffset || start > int64(len(f.data)) || t.Size > int64(len(f.data))-start {
		panic(fmt.Sprintf("gguf: Data(%q): [%d, +%d) is not inside this file of %d bytes", t.Name, start, t.Size, len(f.data)))
	}
	return f.data[start : start+t.Size : start+t.Size]
}

// indexKV builds the metadata lookup map and checks keys are unique.
func (f *File) indexKV() error {
	f.kvIndex = make(map[string]int, len(f.KV))
	for i, kv := range f.KV {
		if _, dup := f.kvIndex[kv.Key]; dup {
			return fmt.Errorf("duplicate metadata key %q", kv.Key)
		}
		f.kvIndex[kv.Key] = i
	}
	return nil
}

// indexTensors builds the tensor lookup map and checks names are unique.
func (f *File) indexTensors() error {
	f.tIndex = make(map[string]int, len(f.Tensors))
	for i, t := range f.Tensors {
		if _, dup := f.tIndex[t.Name]; dup {
			return fmt.Errorf("duplicate tensor name %q", t.Name)
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
			return fmt.Errorf("tensor %q: offset %d is not a multiple of the alignment %d", t.Name, t.Offset, f.Alignment)
		}
		if f.DataOffset > size || t.Offset > size-f.DataOffset || t.Size > size-f.DataOffset-t.Offset {
			return fmt.Errorf("tensor %q: data [%d, +%d) lies outside the file (%d bytes)", t.Name, f.DataOffset+t.Offset, t.Size, size)
		}
		if t.Size > 0 && t.Offset < prevEnd {
			return fmt.Errorf("tensor %q overlaps tensor %q", t.Name, prev)
		}
		if t.Size > 0 {
			prevEnd, prev = t.Offset+t.Size, t.Name
		}
	}
	return nil
}
