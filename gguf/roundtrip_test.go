package gguf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// wire is the hand encoding of a value: its type tag, then its payload.
func wire(t ValueType, payload func(e *enc)) []byte {
	e := &enc{}
	e.u32(uint32(t))
	payload(e)
	return e.bytes()
}

// nest returns an array nested depth deep around an empty array of uint8.
func nest(depth int) Array {
	a := Array{Elem: TypeUint8, Values: []uint8{}}
	for i := 1; i < depth; i++ {
		a = Array{Elem: TypeArray, Values: []Array{a}}
	}
	return a
}

func nestWire(e *enc, depth int) {
	for i := 1; i < depth; i++ {
		e.arr(TypeArray, 1)
	}
	e.arr(TypeUint8, 0)
}

var valueCases = []struct {
	name  string
	set   any // what Writer.Set gets
	want  any // what File.Lookup gives back
	bytes []byte
}{
	{"uint8", uint8(0xfe), uint8(0xfe), wire(TypeUint8, func(e *enc) { e.u8(0xfe) })},
	{"int8", int8(-2), int8(-2), wire(TypeInt8, func(e *enc) { e.u8(0xfe) })},
	{"uint16", uint16(0xbeef), uint16(0xbeef), wire(TypeUint16, func(e *enc) { e.u16(0xbeef) })},
	{"int16", int16(-300), int16(-300), wire(TypeInt16, func(e *enc) { e.u16(0xfed4) })},
	{"uint32", uint32(math.MaxUint32), uint32(math.MaxUint32), wire(TypeUint32, func(e *enc) { e.u32(0xffffffff) })},
	{"int32", int32(math.MinInt32), int32(math.MinInt32), wire(TypeInt32, func(e *enc) { e.u32(0x80000000) })},
	{"uint64", uint64(math.MaxUint64), uint64(math.MaxUint64), wire(TypeUint64, func(e *enc) { e.u64(math.MaxUint64) })},
	{"int64", int64(math.MinInt64), int64(math.MinInt64), wire(TypeInt64, func(e *enc) { e.u64(1 << 63) })},
	{"float32", float32(-1.5e-7), float32(-1.5e-7), wire(TypeFloat32, func(e *enc) { e.f32(-1.5e-7) })},
	{"float32 inf", float32(math.Inf(-1)), float32(math.Inf(-1)), wire(TypeFloat32, func(e *enc) { e.u32(0xff800000) })},
	{"float64", 1e300, 1e300, wire(TypeFloat64, func(e *enc) { e.f64(1e300) })},
	{"bool true", true, true, wire(TypeBool, func(e *enc) { e.u8(1) })},
	{"bool false", false, false, wire(TypeBool, func(e *enc) { e.u8(0) })},
	{"string", "héllo\x00wörld", "héllo\x00wörld", wire(TypeString, func(e *enc) { e.str("héllo\x00wörld") })},
	{"empty string", "", "", wire(TypeString, func(e *enc) { e.u64(0) })},
	{"invalid utf-8 string", "\xff\xfe", "\xff\xfe", wire(TypeString, func(e *enc) { e.str("\xff\xfe") })},
	{"array of uint8", Array{TypeUint8, []uint8{1, 2, 255}}, Array{TypeUint8, []uint8{1, 2, 255}},
		wire(TypeArray, func(e *enc) { e.arr(TypeUint8, 3).raw(1, 2, 255) })},
	{"array of int8", []int8{-1, 7}, Array{TypeInt8, []int8{-1, 7}},
		wire(TypeArray, func(e *enc) { e.arr(TypeInt8, 2).raw(0xff, 7) })},
	{"array of uint16", []uint16{1, 0xffff}, Array{TypeUint16, []uint16{1, 0xffff}},
		wire(TypeArray, func(e *enc) { e.arr(TypeUint16, 2).u16(1).u16(0xffff) })},
	{"array of int16", []int16{-1, 2, 3}, Array{TypeInt16, []int16{-1, 2, 3}},
		wire(TypeArray, func(e *enc) { e.arr(TypeInt16, 3).u16(0xffff).u16(2).u16(3) })},
	{"array of uint32", []uint32{7}, Array{TypeUint32, []uint32{7}},
		wire(TypeArray, func(e *enc) { e.arr(TypeUint32, 1).u32(7) })},
	{"array of int32", []int32{-7, 1 << 30}, Array{TypeInt32, []int32{-7, 1 << 30}},
		wire(TypeArray, func(e *enc) { e.arr(TypeInt32, 2).u32(0xfffffff9).u32(1 << 30) })},
	{"array of uint64", []uint64{1 << 63}, Array{TypeUint64, []uint64{1 << 63}},
		wire(TypeArray, func(e *enc) { e.arr(TypeUint64, 1).u64(1 << 63) })},
	{"array of int64", []int64{-1}, Array{TypeInt64, []int64{-1}},
		wire(TypeArray, func(e *enc) { e.arr(TypeInt64, 1).u64(math.MaxUint64) })},
	{"array of float32", []float32{0.25, -2}, Array{TypeFloat32, []float32{0.25, -2}},
		wire(TypeArray, func(e *enc) { e.arr(TypeFloat32, 2).f32(0.25).f32(-2) })},
	{"array of float64", []float64{math.Pi}, Array{TypeFloat64, []float64{math.Pi}},
		wire(TypeArray, func(e *enc) { e.arr(TypeFloat64, 1).f64(math.Pi) })},
	{"array of bool", []bool{true, false, true}, Array{TypeBool, []bool{true, false, true}},
		wire(TypeArray, func(e *enc) { e.arr(TypeBool, 3).raw(1, 0, 1) })},
	{"array of strings", []string{"<s>", "", "▁the", "\n"}, Array{TypeString, []string{"<s>", "", "▁the", "\n"}},
		wire(TypeArray, func(e *enc) { e.arr(TypeString, 4).str("<s>").str("").str("▁the").str("\n") })},
	{"array of empty strings", []string{"", ""}, Array{TypeString, []string{"", ""}},
		wire(TypeArray, func(e *enc) { e.arr(TypeString, 2).u64(0).u64(0) })},
	{"empty array of strings", Array{TypeString, []string{}}, Array{TypeString, []string{}},
		wire(TypeArray, func(e *enc) { e.arr(TypeString, 0) })},
	{"empty array of float32", []float32{}, Array{TypeFloat32, []float32{}},
		wire(TypeArray, func(e *enc) { e.arr(TypeFloat32, 0) })},
	{"empty array of arrays", []Array{}, Array{TypeArray, []Array{}},
		wire(TypeArray, func(e *enc) { e.arr(TypeArray, 0) })},
	{"nested arrays of mixed types",
		[]Array{{TypeString, []string{"x", "yz"}}, {TypeInt32, []int32{}}, {TypeArray, []Array{{TypeBool, []bool{true}}}}},
		Array{TypeArray, []Array{{TypeString, []string{"x", "yz"}}, {TypeInt32, []int32{}}, {TypeArray, []Array{{TypeBool, []bool{true}}}}}},
		wire(TypeArray, func(e *enc) {
			e.arr(TypeArray, 3).arr(TypeString, 2).str("x").str("yz").arr(TypeInt32, 0).arr(TypeArray, 1).arr(TypeBool, 1).u8(1)
		})},
	{"arrays nested 8 deep", nest(maxNesting), nest(maxNesting), wire(TypeArray, func(e *enc) { nestWire(e, maxNesting) })},
}

// TestValueRoundTrip writes each value type with Writer, checks the bytes
// against the hand encoding, and reads the value back, in v3 and (by
// patching the version) v2.
func TestValueRoundTrip(t *testing.T) {
	for _, tc := range valueCases {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWriter()
			if err := w.Set("k", tc.set); err != nil {
				t.Fatalf("Set: %v", err)
			}
			var buf bytes.Buffer
			n, err := w.WriteTo(&buf)
			if err != nil {
				t.Fatalf("WriteTo: %v", err)
			}
			if n != int64(buf.Len()) {
				t.Errorf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
			}
			want := newFile(3, 0, 1).str("k").raw(tc.bytes...).bytes()
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("bytes\n got %x\nwant %x", buf.Bytes(), want)
			}
			for _, version := range []uint32{3, 2} {
				data := append([]byte(nil), want...)
				data[4] = byte(version)
				f, err := Parse(data)
				if err != nil {
					t.Fatalf("v%d: Parse: %v", version, err)
				}
				if f.Version != version {
					t.Errorf("Version = %d, want %d", f.Version, version)
				}
				got, ok := f.Lookup("k")
				if !ok || !reflect.DeepEqual(got, tc.want) {
					t.Errorf("v%d: Lookup = %#v, %v; want %#v", version, got, ok, tc.want)
				}
			}
		})
	}
}

// TestWriterOrderAndReplace checks that keys keep insertion order, that Set
// replaces in place, and that Delete removes.
func TestWriterOrderAndReplace(t *testing.T) {
	w := NewWriter()
	for _, kv := range []KV{{"c", uint8(1)}, {"a", "x"}, {"b", int64(2)}, {"a", "y"}, {"d", true}} {
		if err := w.Set(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	if !w.Delete("b") || w.Delete("b") || w.Delete("zz") {
		t.Error("Delete reported wrongly")
	}
	if err := w.Set("e", float32(1)); err != nil {
		t.Fatal(err)
	}
	f := writeParse(t, w)
	want := []KV{{"c", uint8(1)}, {"a", "y"}, {"d", true}, {"e", float32(1)}}
	if !reflect.DeepEqual(f.KV, want) {
		t.Errorf("KV = %v, want %v", f.KV, want)
	}
}

func writeParse(t *testing.T, w *Writer) *File {
	t.Helper()
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	f, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// TestWriterLayout checks Writer's tensor layout byte for byte against hand
// encodings, for several alignments, and reads the result back.
func TestWriterLayout(t *testing.T) {
	type tensor struct {
		name  string
		typ   quant.Type
		shape []int
		size  int
	}
	tensors := []tensor{
		{"tok_embd", quant.F32, []int{3, 5}, 60},
		{"norm", quant.F16, []int{7}, 14},
		{"blk.0.w", quant.Q8_0, []int{64, 3}, 6 * 34},
		{"scalar", quant.F32, []int{}, 4},
		{"empty", quant.F32, []int{0, 4}, 0},
		{"q4k", quant.Q4_K, []int{256, 1, 1, 2}, 2 * 144},
	}
	for _, align := range []int{0, 1, 8, 32, 64, 4096} { // 0: general.alignment unset
		t.Run(fmt.Sprintf("align=%d", align), func(t *testing.T) {
			a := align
			w := NewWriter()
			if err := w.Set("general.name", "layout"); err != nil {
				t.Fatal(err)
			}
			nkv := uint64(1)
			if align != 0 {
				if err := w.Set(KeyAlignment, uint32(align)); err != nil {
					t.Fatal(err)
				}
				nkv++
			} else {
				a = DefaultAlignment
			}
			e := newFile(3, uint64(len(tensors)), nkv)
			e.kv("general.name", TypeString).str("layout")
			if align != 0 {
				e.kv(KeyAlignment, TypeUint32).u32(uint32(align))
			}
			off := 0
			offsets := make([]int, len(tensors))
			for i, tt := range tensors {
				shape := make([]uint64, len(tt.shape))
				for d, n := range tt.shape {
					shape[d] = uint64(n)
				}
				offsets[i] = off
				e.tensor(tt.name, uint32(tt.typ), uint64(off), shape...)
				off += (tt.size + a - 1) / a * a
			}
			e.pad(a)
			dataOffset := len(e.b)
			for i, tt := range tensors {
				data := bytes.Repeat([]byte{byte(i + 1)}, tt.size)
				e.raw(data...).pad(a)
				if err := w.AddTensorData(tt.name, tt.typ, tt.shape, data); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if _, err := w.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), e.bytes()) {
				t.Fatalf("bytes differ from the hand encoding:\n got %x\nwant %x", buf.Bytes(), e.bytes())
			}
			f, err := Parse(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if f.Alignment != a || f.DataOffset != int64(dataOffset) {
				t.Errorf("Alignment %d DataOffset %d, want %d %d", f.Alignment, f.DataOffset, a, dataOffset)
			}
			for i, tt := range tensors {
				got, ok := f.Tensor(tt.name)
				if !ok {
					t.Fatalf("tensor %q missing", tt.name)
				}
				if got.Type != tt.typ || !reflect.DeepEqual(got.Shape, tt.shape) || got.Offset != int64(offsets[i]) || got.Size != int64(tt.size) {
					t.Errorf("tensor %+v, want %+v at %d", *got, tt, offsets[i])
				}
				if d := f.Data(got); !bytes.Equal(d, bytes.Repeat([]byte{byte(i + 1)}, tt.size)) {
					t.Errorf("tensor %q data %x", tt.name, d)
				}
			}
		})
	}
}

// TestReadV2 reads a hand-built version 2 file (GGUF v2 and v3 share their
// little-endian encoding; v3 only added big-endian files).
func TestReadV2(t *testing.T) {
	e := newFile(2, 1, 2)
	e.kv("general.architecture", TypeString).str("llama")
	e.kv("tokenizer.ggml.scores", TypeArray).arr(TypeFloat32, 2).f32(-1).f32(2.5)
	e.tensor("output.weight", uint32(quant.Q4_0), 0, 32, 2)
	e.pad(32).fill(36, 9).pad(32)
	f, err := Parse(e.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 2 {
		t.Errorf("Version %d", f.Version)
	}
	if s, _ := f.String("general.architecture"); s != "llama" {
		t.Errorf("architecture %q", s)
	}
	if v, _ := f.Float32s("tokenizer.ggml.scores"); !reflect.DeepEqual(v, []float32{-1, 2.5}) {
		t.Errorf("scores %v", v)
	}
	tn, ok := f.Tensor("output.weight")
	if !ok || tn.Type != quant.Q4_0 || !reflect.DeepEqual(tn.Shape, []int{32, 2}) || tn.Size != 36 || tn.Elements() != 64 || tn.Rows() != 2 {
		t.Fatalf("tensor %+v", tn)
	}
	if d := f.Data(tn); !bytes.Equal(d, (&enc{}).fill(36, 9).bytes()) {
		t.Errorf("data %x", d)
	}
}

// TestWriterErrors checks every way Set, AddTensor and WriteTo refuse, and
// that each error names the problem.
func TestWriterErrors(t *testing.T) {
	f32 := func(n int) func(io.Writer) error {
		return func(w io.Writer) error { _, err := w.Write(make([]byte, n)); return err }
	}
	boom := errors.New("boom")
	cases := []struct {
		name string
		do   func(w *Writer) error
		want string
	}{
		{"int", func(w *Writer) error { return w.Set("k", 3) }, "sized integer"},
		{"nil", func(w *Writer) error { return w.Set("k", nil) }, "nil value"},
		{"map", func(w *Writer) error { return w.Set("k", map[string]int{}) }, "not a GGUF value type"},
		{"array elem mismatch", func(w *Writer) error { return w.Set("k", Array{TypeInt32, []uint32{1}}) }, "array of int32 holds []uint32"},
		{"array nil values", func(w *Writer) error { return w.Set("k", Array{Elem: TypeString}) }, "not a slice"},
		{"array of ints", func(w *Writer) error { return w.Set("k", []int{1}) }, "not a GGUF value type"},
		{"nested mismatch", func(w *Writer) error {
			return w.Set("k", []Array{{TypeUint8, []uint8{}}, {TypeBool, []string{}}})
		}, "element 1: array of bool holds []string"},
		{"nested too deep", func(w *Writer) error { return w.Set("k", nest(maxNesting+1)) }, "nested more than 8 deep"},
		{"alignment type", func(w *Writer) error { return w.Set(KeyAlignment, uint64(32)) }, "bad alignment"},
		{"alignment zero", func(w *Writer) error { return w.Set(KeyAlignment, uint32(0)) }, "not a power of two"},
		{"alignment 48", func(w *Writer) error { return w.Set(KeyAlignment, uint32(48)) }, "not a power of two"},
		{"alignment huge", func(w *Writer) error { return w.Set(KeyAlignment, uint32(1<<31)) }, "larger than"},
		{"duplicate tensor", func(w *Writer) error {
			w.AddTensor("t", quant.F32, []int{1}, f32(4))
			return w.AddTensor("t", quant.F32, []int{1}, f32(4))
		}, `duplicate tensor name "t"`},
		{"no data function", func(w *Writer) error { return w.AddTensor("t", quant.F32, []int{1}, nil) }, "no data function"},
		{"unknown type", func(w *Writer) error { return w.AddTensor("t", quant.Type(4), []int{1}, f32(4)) }, "unknown tensor type 4"},
		{"negative dim", func(w *Writer) error { return w.AddTensor("t", quant.F32, []int{2, -1}, f32(4)) }, "dimension 1 is negative"},
		{"five dims", func(w *Writer) error { return w.AddTensor("t", quant.F32, []int{1, 1, 1, 1, 1}, f32(4)) }, "5 dimensions"},
		{"partial block", func(w *Writer) error { return w.AddTensor("t", quant.Q4_0, []int{48, 2}, f32(4)) }, "not a multiple of Q4_0's block size 32"},
		{"element overflow", func(w *Writer) error {
			return w.AddTensor("t", quant.F32, []int{1 << 32, 1 << 32}, f32(4))
		}, "element count overflows"},
		{"size overflow", func(w *Writer) error { return w.AddTensor("t", quant.F32, []int{1 << 62}, f32(4)) }, "data size of F32 overflows"},
		{"data length", func(w *Writer) error { return w.AddTensorData("t", quant.F32, []int{3}, make([]byte, 8)) }, "8 bytes of data, want 12"},
		{"short write", func(w *Writer) error {
			w.AddTensor("t", quant.F32, []int{3}, f32(8))
			_, err := w.WriteTo(io.Discard)
			return err
		}, `tensor "t": data function wrote 8 bytes, want 12`},
		{"long write", func(w *Writer) error {
			w.AddTensor("u", quant.F32, []int{3}, f32(16))
			_, err := w.WriteTo(io.Discard)
			return err
		}, `tensor "u": data function wrote more bytes than the tensor's size (4 more)`},
		{"long write, error dropped", func(w *Writer) error {
			w.AddTensor("u", quant.F32, []int{1}, func(w io.Writer) error { w.Write(make([]byte, 5)); return nil })
			_, err := w.WriteTo(io.Discard)
			return err
		}, `tensor "u": data function wrote more bytes`},
		{"function fails", func(w *Writer) error {
			w.AddTensor("v", quant.F32, []int{3}, func(io.Writer) error { return boom })
			_, err := w.WriteTo(io.Discard)
			return err
		}, `tensor "v": boom`},
		{"output fails", func(w *Writer) error {
			w.Set("k", "v")
			_, err := w.WriteTo(failWriter{})
			return err
		}, "disk full"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do(NewWriter())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestWriterStreams checks that data functions may write in pieces of odd
// sizes and that nothing of a tensor is held by the Writer beyond its buffer:
// a 40 MB tensor is generated on the fly and counted, never stored.
func TestWriterStreams(t *testing.T) {
	const rows, cols = 2500, 4096 // 40 MB of F32
	gen := func(out io.Writer) error {
		row := make([]byte, 4*cols)
		for r := 0; r < rows; r++ {
			for i := range row {
				row[i] = byte(r + i)
			}
			for p := row; len(p) > 0; {
				k := min(len(p), 1+r%977)
				if _, err := out.Write(p[:k]); err != nil {
					return err
				}
				p = p[k:]
			}
		}
		return nil
	}
	w := NewWriter()
	if err := w.AddTensor("big", quant.F32, []int{cols, rows}, gen); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensorData("small", quant.F16, []int{3}, []byte{1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	hdr := newFile(3, 2, 0).tensor("big", 0, 0, cols, rows).tensor("small", 1, 4*cols*rows, 3).pad(32).bytes()
	// The data byte at 4*cols*r + i is byte(r+i): watch one of them.
	r, i := 1234, 777
	h := &probeWriter{head: len(hdr), watch: int64(len(hdr) + 4*cols*r + i)}
	n, err := w.WriteTo(h)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(len(hdr)) + 4*cols*rows + 32
	if n != want || h.n != want {
		t.Errorf("wrote %d (reported %d), want %d", h.n, n, want)
	}
	if !bytes.Equal(h.first, hdr) {
		t.Errorf("header %x, want %x", h.first, hdr)
	}
	if h.seen != byte(r+i) {
		t.Errorf("data byte = %d, want %d", h.seen, byte(r+i))
	}
}

// probeWriter counts bytes, keeps the first head of them and the one at
// position watch.
type probeWriter struct {
	n     int64
	head  int
	first []byte
	watch int64
	seen  byte
}

func (h *probeWriter) Write(p []byte) (int, error) {
	if len(h.first) < h.head {
		h.first = append(h.first, p[:min(len(p), h.head-len(h.first))]...)
	}
	if h.watch >= h.n && h.watch < h.n+int64(len(p)) {
		h.seen = p[h.watch-h.n]
	}
	h.n += int64(len(p))
	return len(p), nil
}
