package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"os"

	"github.com/tern-llm/tern/quant"
)

// Open memory-maps the GGUF file at path and parses it. Tensor data stays in
// the mapping until Close.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("gguf: %s: not a regular file", path)
	}
	if fi.Size() < headerSize {
		return nil, fmt.Errorf("gguf: %s: %w: %d bytes is too short for a GGUF header", path, ErrFormat, fi.Size())
	}
	data, unmap, err := mapFile(fd, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("gguf: %s: %w", path, err)
	}
	f, err := Parse(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.unmap = unmap
	return f, nil
}

// headerSize is magic, version, tensor count and metadata count.
const headerSize = 4 + 4 + 8 + 8

// Minimal encoded sizes, used to reject counts that cannot fit in the bytes left.
const (
	minKVSize     = 8 + 4 + 1     // empty key, type tag, one-byte value
	minTensorSize = 8 + 4 + 4 + 8 // empty name, n_dims, type, offset (no dims)
	minArraySize  = 4 + 8         // element type and count
)

// Parse parses a GGUF file held in memory. The File refers to data (tensor
// data is not copied), so data must not change while the File is in use.
func Parse(data []byte) (*File, error) {
	r := &reader{buf: data}
	f, err := r.file()
	if err != nil {
		return nil, err
	}
	f.data = data
	return f, nil
}

type reader struct {
	buf []byte
	off int
}

func (r *reader) errf(format string, args ...any) error {
	return fmt.Errorf("%w: at byte %d: %s", ErrFormat, r.off, fmt.Sprintf(format, args...))
}

func (r *reader) left() int { return len(r.buf) - r.off }

func (r *reader) need(n int, what string) error {
	if n < 0 || n > r.left() {
		return r.errf("truncated: %s needs %d bytes, %d left", what, n, r.left())
	}
	return nil
}

func (r *reader) bytes(n int, what string) ([]byte, error) {
	if err := r.need(n, what); err != nil {
		return nil, err
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b, nil
}

func (r *reader) u32(what string) (uint32, error) {
	b, err := r.bytes(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) u64(what string) (uint64, error) {
	b, err := r.bytes(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// count reads a 64-bit count of items, each at least minSize bytes, and
// rejects counts that the rest of the file cannot hold.
func (r *reader) count(what string, minSize int) (int, error) {
	n, err := r.u64(what)
	if err != nil {
		return 0, err
	}
	if n > uint64(r.left()/minSize) {
		return 0, r.errf("%s %d is more than the %d bytes left can hold", what, n, r.left())
	}
	return int(n), nil
}

func (r *reader) str(what string) (string, error) {
	n, err := r.u64(what + " length")
	if err != nil {
		return "", err
	}
	if n > uint64(r.left()) {
		return "", r.errf("%s length %d is beyond the end of the file (%d bytes left)", what, n, r.left())
	}
	b, _ := r.bytes(int(n), what)
	return string(b), nil
}

func (r *reader) file() (*File, error) {
	if err := r.need(headerSize, "header"); err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	magic, _ := r.bytes(4, "magic")
	if string(magic) != Magic {
		return nil, fmt.Errorf("gguf: %w: bad magic %q (want %q)", ErrFormat, magic, Magic)
	}
	version, _ := r.u32("version")
	switch {
	case version == 2 || version == 3:
	case version == 1:
		return nil, fmt.Errorf("gguf: %w: version 1 is not supported (convert the file again with a current llama.cpp)", ErrFormat)
	case bits.ReverseBytes32(version) == 2 || bits.ReverseBytes32(version) == 3:
		return nil, fmt.Errorf("gguf: %w: big-endian files are not supported", ErrFormat)
	default:
		return nil, fmt.Errorf("gguf: %w: unknown version %d", ErrFormat, version)
	}
	f := &File{Version: version, Alignment: DefaultAlignment}
	nt, err := r.u64("tensor count")
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	nkv, err := r.count("metadata count", minKVSize)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	f.KV = make([]KV, 0, nkv)
	for i := 0; i < nkv; i++ {
		key, err := r.str("metadata key")
		if err != nil {
			return nil, fmt.Errorf("gguf: metadata entry %d: %w", i, err)
		}
		v, err := r.value(0)
		if err != nil {
			return nil, fmt.Errorf("gguf: metadata %q: %w", key, err)
		}
		f.KV = append(f.KV, KV{Key: key, Value: v})
	}
	if nt > uint64(r.left()/minTensorSize) {
		return nil, fmt.Errorf("gguf: %w", r.errf("tensor count %d is more than the %d bytes left can hold", nt, r.left()))
	}
	if err := f.index(); err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	if v, ok := f.Lookup(KeyAlignment); ok {
		a, ok := v.(uint32)
		if !ok {
			return nil, fmt.Errorf("gguf: %w: %s has type %T, want uint32", ErrFormat, KeyAlignment, v)
		}
		if a == 0 || a&(a-1) != 0 || a > 1<<30 {
			return nil, fmt.Errorf("gguf: %w: %s = %d is not a power of two", ErrFormat, KeyAlignment, a)
		}
		f.Alignment = int(a)
	}
	f.Tensors = make([]Tensor, 0, nt)
	for i := 0; i < int(nt); i++ {
		t, err := r.tensor()
		if err != nil {
			return nil, fmt.Errorf("gguf: tensor %d: %w", i, err)
		}
		f.Tensors = append(f.Tensors, t)
	}
	if err := f.index(); err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	a := int64(f.Alignment)
	f.DataOffset = (int64(r.off) + a - 1) / a * a
	f.data = r.buf
	if err := f.checkData(); err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	return f, nil
}

func (r *reader) tensor() (Tensor, error) {
	var t Tensor
	var err error
	if t.Name, err = r.str("name"); err != nil {
		return t, err
	}
	nd, err := r.u32("dimension count")
	if err != nil {
		return t, fmt.Errorf("%q: %w", t.Name, err)
	}
	if nd > maxDims {
		return t, fmt.Errorf("%q: %w", t.Name, r.errf("%d dimensions (at most %d)", nd, maxDims))
	}
	t.Shape = make([]int, nd)
	elems := uint64(1)
	for d := range t.Shape {
		n, err := r.u64("dimension")
		if err != nil {
			return t, fmt.Errorf("%q: %w", t.Name, err)
		}
		if n > math.MaxInt64 {
			return t, fmt.Errorf("%q: %w", t.Name, r.errf("dimension %d is %d, beyond int64", d, n))
		}
		hi, lo := bits.Mul64(elems, n)
		if hi != 0 || lo > math.MaxInt64 {
			return t, fmt.Errorf("%q: %w", t.Name, r.errf("element count overflows"))
		}
		elems = lo
		t.Shape[d] = int(n)
	}
	typ, err := r.u32("type")
	if err != nil {
		return t, fmt.Errorf("%q: %w", t.Name, err)
	}
	t.Type = quant.Type(typ)
	if !t.Type.Valid() {
		return t, fmt.Errorf("%q: %w", t.Name, r.errf("unknown tensor type %d", typ))
	}
	off, err := r.u64("offset")
	if err != nil {
		return t, fmt.Errorf("%q: %w", t.Name, err)
	}
	if off > math.MaxInt64 {
		return t, fmt.Errorf("%q: %w", t.Name, r.errf("offset %d beyond int64", off))
	}
	t.Offset = int64(off)
	row := 1
	if nd > 0 {
		row = t.Shape[0]
	}
	if row%t.Type.BlockSize() != 0 {
		return t, fmt.Errorf("%q: %w: row length %d is not a multiple of %s's block size %d", t.Name, ErrFormat, row, t.Type, t.Type.BlockSize())
	}
	blocks := elems / uint64(t.Type.BlockSize())
	hi, size := bits.Mul64(blocks, uint64(t.Type.BlockBytes()))
	if hi != 0 || size > math.MaxInt64 {
		return t, fmt.Errorf("%q: %w: data size overflows", t.Name, ErrFormat)
	}
	t.Size = int64(size)
	return t, nil
}

// value reads a type tag and the value that follows it.
func (r *reader) value(depth int) (any, error) {
	tag, err := r.u32("value type")
	if err != nil {
		return nil, err
	}
	return r.typed(ValueType(tag), depth)
}

func (r *reader) typed(t ValueType, depth int) (any, error) {
	if t == TypeString {
		return r.str("string")
	}
	if t == TypeArray {
		return r.array(depth)
	}
	n := t.size()
	if n == 0 {
		return nil, r.errf("unknown value type %d", uint32(t))
	}
	b, err := r.bytes(n, t.String())
	if err != nil {
		return nil, err
	}
	switch t {
	case TypeUint8:
		return b[0], nil
	case TypeInt8:
		return int8(b[0]), nil
	case TypeBool:
		if b[0] > 1 {
			return nil, r.errf("bool value %d", b[0])
		}
		return b[0] == 1, nil
	case TypeUint16:
		return binary.LittleEndian.Uint16(b), nil
	case TypeInt16:
		return int16(binary.LittleEndian.Uint16(b)), nil
	case TypeUint32:
		return binary.LittleEndian.Uint32(b), nil
	case TypeInt32:
		return int32(binary.LittleEndian.Uint32(b)), nil
	case TypeFloat32:
		return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
	case TypeUint64:
		return binary.LittleEndian.Uint64(b), nil
	case TypeInt64:
		return int64(binary.LittleEndian.Uint64(b)), nil
	default: // TypeFloat64
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	}
}

func (r *reader) array(depth int) (Array, error) {
	if depth >= maxNesting {
		return Array{}, r.errf("arrays nested more than %d deep", maxNesting)
	}
	et, err := r.u32("array element type")
	if err != nil {
		return Array{}, err
	}
	elem := ValueType(et)
	min := elem.size()
	switch elem {
	case TypeString:
		min = 8
	case TypeArray:
		min = minArraySize
	}
	if min == 0 {
		return Array{}, r.errf("unknown array element type %d", et)
	}
	n, err := r.count("array length", min)
	if err != nil {
		return Array{}, err
	}
	a := Array{Elem: elem}
	switch elem {
	case TypeString:
		v := make([]string, n)
		for i := range v {
			if v[i], err = r.str("string"); err != nil {
				return a, err
			}
		}
		a.Values = v
	case TypeArray:
		v := make([]Array, n)
		for i := range v {
			if v[i], err = r.array(depth + 1); err != nil {
				return a, err
			}
		}
		a.Values = v
	default:
		b, _ := r.bytes(n*min, "array")
		a.Values, err = decodeFixed(elem, b, n)
		if err != nil {
			return a, r.errf("%v", err)
		}
	}
	return a, nil
}

// decodeFixed decodes n little-endian values of a fixed-size type.
func decodeFixed(t ValueType, b []byte, n int) (any, error) {
	le := binary.LittleEndian
	switch t {
	case TypeUint8:
		return append([]uint8(nil), b...), nil
	case TypeInt8:
		v := make([]int8, n)
		for i := range v {
			v[i] = int8(b[i])
		}
		return v, nil
	case TypeBool:
		v := make([]bool, n)
		for i := range v {
			if b[i] > 1 {
				return nil, fmt.Errorf("bool array element %d is %d", i, b[i])
			}
			v[i] = b[i] == 1
		}
		return v, nil
	case TypeUint16:
		v := make([]uint16, n)
		for i := range v {
			v[i] = le.Uint16(b[2*i:])
		}
		return v, nil
	case TypeInt16:
		v := make([]int16, n)
		for i := range v {
			v[i] = int16(le.Uint16(b[2*i:]))
		}
		return v, nil
	case TypeUint32:
		v := make([]uint32, n)
		for i := range v {
			v[i] = le.Uint32(b[4*i:])
		}
		return v, nil
	case TypeInt32:
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(le.Uint32(b[4*i:]))
		}
		return v, nil
	case TypeFloat32:
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
		return v, nil
	case TypeUint64:
		v := make([]uint64, n)
		for i := range v {
			v[i] = le.Uint64(b[8*i:])
		}
		return v, nil
	case TypeInt64:
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(le.Uint64(b[8*i:]))
		}
		return v, nil
	case TypeFloat64:
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
		return v, nil
	}
	return nil, fmt.Errorf("unknown element type %d", uint32(t))
}
