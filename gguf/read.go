package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strings"

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
		// Too short to map usefully (or at all, when empty): let Parse
		// say what is wrong with it.
		data, err := io.ReadAll(fd)
		if err != nil {
			return nil, fmt.Errorf("gguf: %w", err)
		}
		if _, err := Parse(data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, fmt.Errorf("gguf: %s: %d bytes parsed as a header of %d", path, len(data), headerSize)
	}
	if fi.Size() > math.MaxInt {
		return nil, fmt.Errorf("gguf: %s: %d bytes is too large to map on this platform", path, fi.Size())
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

// Minimal encoded sizes. A count of items is rejected when the bytes left
// cannot hold that many items of the minimal size, which bounds every
// allocation the reader makes by a small multiple of the file's size.
const (
	minKVSize     = 8 + 4 + 1     // empty key, type tag, one-byte value
	minTensorSize = 8 + 4 + 4 + 8 // empty name, n_dims, type, offset (no dims)
	minArraySize  = 4 + 8         // element type and count
	minStringSize = 8             // length of an empty string
)

// Parse parses a GGUF file held in memory. The File refers to data (tensor
// data is not copied), so data must not change while the File is in use.
// Metadata (keys, strings, arrays) is copied out of data.
func Parse(data []byte) (*File, error) {
	r := &reader{buf: data, end: len(data)}
	f, err := r.file()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return f, nil
}

// reader decodes a GGUF file from memory.
//
// end bounds the item being read: it is the end of the buffer less the
// minimal size of every item that follows in the enclosing lists. Counts and
// string lengths are checked against end rather than the end of the buffer,
// so that nested lists cannot each claim the same bytes: the allocations made
// for all lists being read at once are then backed by disjoint bytes of the
// file.
type reader struct {
	buf []byte
	off int
	end int
}

func (r *reader) errf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", r.off, fmt.Sprintf(format, args...))
}

// left is the number of bytes from the read position to the end of the file.
func (r *reader) left() int { return len(r.buf) - r.off }

// room is the number of bytes the current item may use (see reader.end).
func (r *reader) room() int { return max(0, r.end-r.off) }

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
	if n > uint64(r.room()/minSize) {
		if n > uint64(r.left()/minSize) {
			return 0, r.errf("%s %d is beyond the end of the file: the %d bytes left hold at most %d", what, n, r.left(), r.left()/minSize)
		}
		return 0, r.errf("%s %d is beyond the end of the file: %d bytes are left for it after the items that follow, enough for %d", what, n, r.room(), r.room()/minSize)
	}
	return int(n), nil
}

// strLen reads the length of a string and checks that the string fits.
func (r *reader) strLen(what string) (int, error) {
	n, err := r.u64("length")
	if err != nil {
		return 0, err
	}
	if n > uint64(r.room()) {
		if n > uint64(r.left()) {
			return 0, r.errf("%s length %d is beyond the end of the file (%d bytes left)", what, n, r.left())
		}
		return 0, r.errf("%s length %d is beyond the end of the file: %d bytes are left for it after the items that follow", what, n, r.room())
	}
	return int(n), nil
}

func (r *reader) str(what string) (string, error) {
	n, err := r.strLen(what)
	if err != nil {
		return "", err
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return string(b), nil
}

// items calls fn for each of n items of at least minSize bytes, keeping back
// from each item the bytes that the items after it need (see reader.end).
func (r *reader) items(n, minSize int, fn func(i int) error) error {
	end := r.end
	for i := 0; i < n; i++ {
		r.end = end - (n-1-i)*minSize
		if err := fn(i); err != nil {
			return err
		}
	}
	r.end = end
	return nil
}

func (r *reader) file() (*File, error) {
	if err := r.need(headerSize, "header"); err != nil {
		return nil, err
	}
	magic, _ := r.bytes(4, "magic")
	if string(magic) != Magic {
		return nil, fmt.Errorf("bad magic %q (want %q)", magic, Magic)
	}
	version, _ := r.u32("version")
	switch {
	case version == 2 || version == 3:
	case version == 1:
		return nil, errors.New("version 1 is not supported (convert the file again with a current llama.cpp)")
	case bits.ReverseBytes32(version) == 2 || bits.ReverseBytes32(version) == 3:
		return nil, fmt.Errorf("version %d: big-endian files are not supported", bits.ReverseBytes32(version))
	default:
		return nil, fmt.Errorf("unknown version %d", version)
	}
	f := &File{Version: version, Alignment: DefaultAlignment}
	nt, err := r.count("tensor count", minTensorSize)
	if err != nil {
		return nil, err
	}
	// The metadata must leave room for the tensor infos that follow it.
	r.end -= nt * minTensorSize
	nkv, err := r.count("metadata count", minKVSize)
	if err != nil {
		return nil, err
	}
	f.KV = make([]KV, nkv)
	err = r.items(nkv, minKVSize, func(i int) error {
		key, err := r.str("metadata key")
		if err != nil {
			return fmt.Errorf("metadata entry %d: %w", i, err)
		}
		v, err := r.value(0)
		if err != nil {
			return fmt.Errorf("metadata %q: %w", key, err)
		}
		f.KV[i] = KV{Key: key, Value: v}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.end = len(r.buf)
	f.infoOff = r.off
	if err := f.indexKV(); err != nil {
		return nil, err
	}
	if v, ok := f.Lookup(KeyAlignment); ok {
		a, err := checkAlignment(v)
		if err != nil {
			return nil, err
		}
		f.Alignment = a
	}
	f.Tensors = make([]Tensor, nt)
	err = r.items(nt, minTensorSize, func(i int) error {
		if err := r.tensor(&f.Tensors[i]); err != nil {
			return fmt.Errorf("tensor %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := f.indexTensors(); err != nil {
		return nil, err
	}
	a := int64(f.Alignment)
	f.DataOffset = (int64(r.off) + a - 1) / a * a
	f.data = r.buf
	if err := f.checkData(); err != nil {
		return nil, err
	}
	return f, nil
}

// checkAlignment validates a general.alignment value: a uint32 power of two
// no larger than maxAlignment.
func checkAlignment(v any) (int, error) {
	a, ok := v.(uint32)
	if !ok {
		return 0, fmt.Errorf("bad alignment: %s has type %T, want uint32", KeyAlignment, v)
	}
	if a == 0 || a&(a-1) != 0 {
		return 0, fmt.Errorf("bad alignment: %s = %d is not a power of two", KeyAlignment, a)
	}
	if a > maxAlignment {
		return 0, fmt.Errorf("bad alignment: %s = %d is larger than %d", KeyAlignment, a, maxAlignment)
	}
	return int(a), nil
}

func (r *reader) tensor(t *Tensor) error {
	var err error
	if t.Name, err = r.str("name"); err != nil {
		return err
	}
	nd, err := r.u32("dimension count")
	if err != nil {
		return fmt.Errorf("%q: %w", t.Name, err)
	}
	if nd > maxDims {
		r.off -= 4
		return fmt.Errorf("%q: %w", t.Name, r.errf("%d dimensions (at most %d)", nd, maxDims))
	}
	if err := r.need(8*int(nd), "dimensions"); err != nil {
		return fmt.Errorf("%q: %w", t.Name, err)
	}
	t.Shape = make([]int, nd)
	for d := range t.Shape {
		n, _ := r.u64("dimension")
		if n > math.MaxInt64 || n > math.MaxInt {
			r.off -= 8
			return fmt.Errorf("%q: %w", t.Name, r.errf("dimension %d is %d: the element count overflows", d, n))
		}
		t.Shape[d] = int(n)
	}
	typ, err := r.u32("type")
	if err != nil {
		return fmt.Errorf("%q: %w", t.Name, err)
	}
	t.Type = quant.Type(typ)
	if !t.Type.Valid() {
		r.off -= 4
		return fmt.Errorf("%q: %w", t.Name, r.errf("unknown tensor type %d", typ))
	}
	off, err := r.u64("offset")
	if err != nil {
		return fmt.Errorf("%q: %w", t.Name, err)
	}
	if off > math.MaxInt64 {
		r.off -= 8
		return fmt.Errorf("%q: %w", t.Name, r.errf("data offset %d is outside the file", off))
	}
	t.Offset = int64(off)
	if t.Size, err = DataSize(t.Type, t.Shape); err != nil {
		return fmt.Errorf("%q: %w", t.Name, err)
	}
	return nil
}

// DataSize is the size in bytes of a tensor of type typ and shape shape (in
// GGML order, Shape[0] the row length). It fails when typ is unknown, a
// dimension is negative, there are more than four dimensions, the row length
// is not a whole number of typ's blocks, or the size overflows int64.
func DataSize(typ quant.Type, shape []int) (int64, error) {
	if !typ.Valid() {
		return 0, fmt.Errorf("unknown tensor type %d", uint32(typ))
	}
	if len(shape) > maxDims {
		return 0, fmt.Errorf("%d dimensions (at most %d)", len(shape), maxDims)
	}
	elems := uint64(1)
	for d, n := range shape {
		if n < 0 {
			return 0, fmt.Errorf("dimension %d is negative (%d)", d, n)
		}
		hi, lo := bits.Mul64(elems, uint64(n))
		if hi != 0 || lo > math.MaxInt64 || lo > math.MaxInt {
			return 0, fmt.Errorf("shape %v: the element count overflows", shape)
		}
		elems = lo
	}
	row := 1
	if len(shape) > 0 {
		row = shape[0]
	}
	if row%typ.BlockSize() != 0 {
		return 0, fmt.Errorf("row length %d is not a multiple of %s's block size %d", row, typ, typ.BlockSize())
	}
	hi, size := bits.Mul64(elems/uint64(typ.BlockSize()), uint64(typ.BlockBytes()))
	if hi != 0 || size > math.MaxInt64 {
		return 0, fmt.Errorf("shape %v: the data size of %s overflows", shape, typ)
	}
	return int64(size), nil
}

// value reads a type tag and the value that follows it.
func (r *reader) value(depth int) (any, error) {
	tag, err := r.u32("value type")
	if err != nil {
		return nil, err
	}
	t := ValueType(tag)
	switch t {
	case TypeString:
		return r.str("string")
	case TypeArray:
		return r.array(depth)
	}
	n := t.size()
	if n == 0 {
		r.off -= 4
		return nil, r.errf("unknown value type %d", tag)
	}
	b, err := r.bytes(n, t.String())
	if err != nil {
		return nil, err
	}
	v, err := decodeScalar(t, b)
	if err != nil {
		r.off -= n
		return nil, r.errf("%v", err)
	}
	return v, nil
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
		min = minStringSize
	case TypeArray:
		min = minArraySize
	}
	if min == 0 {
		r.off -= 4
		return Array{}, r.errf("unknown value type %d of array elements", et)
	}
	n, err := r.count("array length", min)
	if err != nil {
		return Array{}, err
	}
	a := Array{Elem: elem}
	switch elem {
	case TypeString:
		a.Values, err = r.strings(n)
	case TypeArray:
		v := make([]Array, n)
		err = r.items(n, minArraySize, func(i int) error {
			var err error
			v[i], err = r.array(depth + 1)
			return err
		})
		a.Values = v
	default:
		start := r.off
		b, _ := r.bytes(n*min, "array")
		a.Values, err = decodeFixed(elem, b, n)
		if err != nil {
			r.off = start
			err = r.errf("%v", err)
		}
	}
	return a, err
}

// strings reads n strings into one allocation: a first pass checks the
// lengths and sums them, a second copies the bytes, a third slices them.
func (r *reader) strings(n int) ([]string, error) {
	start := r.off
	total := 0
	err := r.items(n, minStringSize, func(int) error {
		l, err := r.strLen("string")
		r.off += l
		total += l
		return err
	})
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	sb.Grow(total)
	for off := start; off < r.off; {
		l := int(binary.LittleEndian.Uint64(r.buf[off:]))
		sb.Write(r.buf[off+8 : off+8+l])
		off += 8 + l
	}
	all := sb.String()
	v := make([]string, n)
	for i, off, pos := 0, start, 0; i < n; i++ {
		l := int(binary.LittleEndian.Uint64(r.buf[off:]))
		v[i] = all[pos : pos+l]
		off += 8 + l
		pos += l
	}
	return v, nil
}
