package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/tern-llm/tern/quant"
)

// Writer writes a GGUF file, version 3, little-endian.
//
// Metadata and tensor descriptions are held in memory; tensor data is not:
// each tensor brings a function that writes its bytes when WriteTo reaches
// it, so a file of any size is written with memory for one tensor at most
// (or none, when the function streams). Typical use:
//
//	w := gguf.NewWriter()
//	w.CopyMetadata(src)                       // optional: start from a file's metadata
//	w.Set("general.name", "tiny")             // add or replace a key
//	w.AddTensorData("a", quant.F32, []int{4, 2}, b)
//	w.AddTensor("b", quant.Q8_0, []int{64, 8}, func(out io.Writer) error { ... })
//	_, err := w.WriteTo(file)
//
// The layout is llama.cpp's: header, metadata in insertion order, tensor
// infos in insertion order, zero padding to the alignment (general.alignment
// if set, else DefaultAlignment), then each tensor's data in the same order,
// each padded with zeros to the alignment. A file without tensors ends right
// after its metadata, as gguf-py writes vocabulary-only files.
//
// A Writer is not safe for concurrent use. It keeps references to the values
// and data given to it: they must not change until WriteTo returns.
type Writer struct {
	kv      []KV
	kvIndex map[string]int
	tensors []wtensor
	tIndex  map[string]int
}

type wtensor struct {
	Tensor
	write func(io.Writer) error
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	return &Writer{kvIndex: map[string]int{}, tIndex: map[string]int{}}
}

// Set adds the metadata entry key = value, or replaces the value of key if
// it is already set (the entry keeps its place in the order).
//
// value is one of the types of KV.Value: uint8, int8, uint16, int16, uint32,
// int32, uint64, int64, float32, float64, bool, string or Array (nested
// arrays included). As a shorthand, a slice of one of the scalar types or of
// Array ([]string, []float32, []Array …) is stored as the Array holding it.
// Set rejects other types (int: say which width), arrays whose Values do not
// match Elem, arrays nested more than 8 deep, and a general.alignment that is
// not a uint32 power of two.
func (w *Writer) Set(key string, value any) error {
	v, err := checkValue(value, 0)
	if err != nil {
		return fmt.Errorf("gguf: metadata %q: %w", key, err)
	}
	if key == KeyAlignment {
		if _, err := checkAlignment(v); err != nil {
			return fmt.Errorf("gguf: %w", err)
		}
	}
	if i, ok := w.kvIndex[key]; ok {
		w.kv[i].Value = v
		return nil
	}
	w.kvIndex[key] = len(w.kv)
	w.kv = append(w.kv, KV{Key: key, Value: v})
	return nil
}

// Delete removes a metadata entry, reporting whether it was there.
func (w *Writer) Delete(key string) bool {
	i, ok := w.kvIndex[key]
	if !ok {
		return false
	}
	w.kv = append(w.kv[:i], w.kv[i+1:]...)
	delete(w.kvIndex, key)
	for j := i; j < len(w.kv); j++ {
		w.kvIndex[w.kv[j].Key] = j
	}
	return true
}

// CopyMetadata sets every metadata entry of f, in f's order (general.alignment
// included, so tensor data keeps f's alignment). Entries already set keep
// their place and take f's value.
func (w *Writer) CopyMetadata(f *File) error {
	for _, kv := range f.KV {
		if err := w.Set(kv.Key, kv.Value); err != nil {
			return err
		}
	}
	return nil
}

// AddTensor adds a tensor of type typ and shape shape (GGML order: shape[0]
// is the row length). WriteTo calls data once to write the tensor's bytes,
// which must be exactly DataSize(typ, shape) of them, in order after the
// tensors added before it. data may stream: it need not hold the whole
// tensor in memory.
func (w *Writer) AddTensor(name string, typ quant.Type, shape []int, data func(io.Writer) error) error {
	if data == nil {
		return fmt.Errorf("gguf: tensor %q: no data function", name)
	}
	if _, dup := w.tIndex[name]; dup {
		return fmt.Errorf("gguf: duplicate tensor name %q", name)
	}
	size, err := DataSize(typ, shape)
	if err != nil {
		return fmt.Errorf("gguf: tensor %q: %w", name, err)
	}
	t := Tensor{Name: name, Type: typ, Shape: append([]int(nil), shape...), Size: size}
	w.tIndex[name] = len(w.tensors)
	w.tensors = append(w.tensors, wtensor{Tensor: t, write: data})
	return nil
}

// AddTensorData adds a tensor whose bytes are in data, which must be exactly
// DataSize(typ, shape) long. data is written, not copied, by WriteTo.
func (w *Writer) AddTensorData(name string, typ quant.Type, shape []int, data []byte) error {
	size, err := DataSize(typ, shape)
	if err != nil {
		return fmt.Errorf("gguf: tensor %q: %w", name, err)
	}
	if int64(len(data)) != size {
		return fmt.Errorf("gguf: tensor %q: %d bytes of data, want %d for %s %v", name, len(data), size, typ, shape)
	}
	return w.AddTensor(name, typ, shape, func(out io.Writer) error {
		_, err := out.Write(data)
		return err
	})
}

// CopyTensor adds tensor t of f with its data as it is in f. f must stay
// open until WriteTo returns.
func (w *Writer) CopyTensor(f *File, t *Tensor) error {
	return w.AddTensor(t.Name, t.Type, t.Shape, func(out io.Writer) error {
		_, err := out.Write(f.Data(t))
		return err
	})
}

// alignment is general.alignment if set (Set checked it), else the default.
func (w *Writer) alignment() int64 {
	if i, ok := w.kvIndex[KeyAlignment]; ok {
		return int64(w.kv[i].Value.(uint32))
	}
	return DefaultAlignment
}

// writeBufferSize is the buffer between the data functions and the output:
// large enough that small writes (a row at a time) reach the file in big
// chunks.
const writeBufferSize = 1 << 20

// WriteTo writes the file to out and returns the number of bytes written.
// It calls each tensor's data function in order and fails, naming the
// tensor, when one fails or writes more or fewer bytes than the tensor's
// size. WriteTo may be called again only if the data functions can be.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	align := w.alignment()
	offsets := make([]int64, len(w.tensors))
	var dataSize int64
	for i, t := range w.tensors {
		offsets[i] = dataSize
		if t.Size > math.MaxInt64-dataSize-align {
			return 0, fmt.Errorf("gguf: tensor %q: the data section overflows int64", t.Name)
		}
		dataSize = alignUp(dataSize+t.Size, align)
	}

	hdr := []byte(Magic)
	hdr = binary.LittleEndian.AppendUint32(hdr, 3)
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(w.tensors)))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(w.kv)))
	for _, kv := range w.kv {
		hdr = appendString(hdr, kv.Key)
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(typeOf(kv.Value)))
		hdr = appendValue(hdr, kv.Value)
	}
	for i, t := range w.tensors {
		hdr = appendString(hdr, t.Name)
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(t.Shape)))
		for _, d := range t.Shape {
			hdr = binary.LittleEndian.AppendUint64(hdr, uint64(d))
		}
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(t.Type))
		hdr = binary.LittleEndian.AppendUint64(hdr, uint64(offsets[i]))
	}
	if len(w.tensors) > 0 {
		hdr = append(hdr, make([]byte, alignUp(int64(len(hdr)), align)-int64(len(hdr)))...)
	}

	cw := &countWriter{w: out}
	bw := bufio.NewWriterSize(cw, int(min(writeBufferSize, int64(len(hdr))+dataSize)))
	if _, err := bw.Write(hdr); err != nil {
		return cw.n, fmt.Errorf("gguf: %w", err)
	}
	for _, t := range w.tensors {
		tw := &tensorWriter{w: bw, left: t.Size}
		if err := t.write(tw); err != nil {
			return cw.n, fmt.Errorf("gguf: tensor %q: %w", t.Name, err)
		}
		if tw.err != nil {
			return cw.n, fmt.Errorf("gguf: tensor %q: %w", t.Name, tw.err)
		}
		if tw.left != 0 {
			return cw.n, fmt.Errorf("gguf: tensor %q: data function wrote %d bytes, want %d", t.Name, t.Size-tw.left, t.Size)
		}
		if err := writeZeros(bw, alignUp(t.Size, align)-t.Size); err != nil {
			return cw.n, fmt.Errorf("gguf: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("gguf: %w", err)
	}
	return cw.n, nil
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

func writeZeros(w io.Writer, n int64) error {
	var zeros [64]byte
	for n > 0 {
		k := min(n, int64(len(zeros)))
		if _, err := w.Write(zeros[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// countWriter counts the bytes that reach the output.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// errTooLong is returned to a data function that writes past its tensor.
var errTooLong = errors.New("data function wrote more bytes than the tensor's size")

// tensorWriter is what a data function writes to: it refuses bytes beyond
// the tensor's size, so that a wrong function cannot shift the tensors after
// it, and it remembers the first error so that WriteTo reports it even when
// the function drops it.
type tensorWriter struct {
	w    *bufio.Writer
	left int64
	err  error
}

func (t *tensorWriter) Write(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if int64(len(p)) > t.left {
		t.err = fmt.Errorf("%w (%d more)", errTooLong, int64(len(p))-t.left)
		return 0, t.err
	}
	n, err := t.w.Write(p)
	t.left -= int64(n)
	if err != nil {
		t.err = err
	}
	return n, err
}
