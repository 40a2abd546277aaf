package gguf

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/quant"
)

// withHeader is a file of one metadata entry, built by kv, and no tensors.
func withKV(kv func(e *enc)) []byte {
	e := newFile(3, 0, 1)
	kv(e)
	return e.bytes()
}

// withTensors is a file with the given tensor infos and dataSize bytes of
// data after the aligned header.
func withTensors(n uint64, infos func(e *enc), dataSize int) []byte {
	e := newFile(3, n, 0)
	infos(e)
	return e.pad(32).fill(dataSize, 7).bytes()
}

// TestMalformed feeds hand-built broken files, one per problem the reader
// must name, and checks the error says what is wrong.
func TestMalformed(t *testing.T) {
	f32 := uint32(quant.F32)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated: header needs 24 bytes, 0 left"},
		{"short header", newFile(3, 0, 0).bytes()[:20], "truncated: header"},
		{"bad magic", append([]byte("GGML"), newFile(3, 0, 0).bytes()[4:]...), `bad magic "GGML"`},
		{"version 1", newFile(1, 0, 0).bytes(), "version 1 is not supported"},
		{"version 0", newFile(0, 0, 0).bytes(), "unknown version 0"},
		{"version 4", newFile(4, 0, 0).bytes(), "unknown version 4"},
		{"big-endian", newFile(3<<24, 0, 0).bytes(), "big-endian"},
		{"tensor count beyond file", newFile(3, 1<<40, 0).bytes(), "tensor count 1099511627776 is beyond the end of the file"},
		{"tensor count max", newFile(3, math.MaxUint64, 0).bytes(), "tensor count 18446744073709551615 is beyond the end of the file"},
		{"metadata count beyond file", newFile(3, 0, 1<<62).bytes(), "metadata count 4611686018427387904 is beyond the end of the file"},
		{"metadata count beyond what tensors leave",
			newFile(3, 1, 2).kv("a", TypeUint8).u8(1).raw(make([]byte, 24)...).bytes(),
			"metadata count 2 is beyond the end of the file: 14 bytes are left for it after the items that follow, enough for 1"},
		{"truncated key", newFile(3, 0, 1).u64(20).raw(make([]byte, 8)...).bytes(), "metadata key length 20 is beyond the end of the file (8 bytes left)"},
		{"key length max", newFile(3, 0, 1).u64(math.MaxUint64).raw(make([]byte, 16)...).bytes(), "metadata key length 18446744073709551615 is beyond the end of the file"},
		{"truncated value", withKV(func(e *enc) { e.kv("a", TypeUint64).u32(0) }), `metadata "a": at byte 37: truncated: uint64 needs 8 bytes, 4 left`},
		{"truncated type", withKV(func(e *enc) { e.str("abcd").u16(0) }), `metadata "abcd": at byte 36: truncated: value type needs 4 bytes, 2 left`},
		{"string beyond file", withKV(func(e *enc) { e.kv("a", TypeString).u64(100).raw('x') }), "string length 100 is beyond the end of the file"},
		{"unknown value type", withKV(func(e *enc) { e.kv("a", 13).u64(0) }), `metadata "a": at byte 33: unknown value type 13`},
		{"unknown array element type", withKV(func(e *enc) { e.kv("a", TypeArray).arr(99, 0) }), "unknown value type 99 of array elements"},
		{"array length beyond file", withKV(func(e *enc) { e.kv("a", TypeArray).arr(TypeUint32, 1<<61).u32(0) }), "array length 2305843009213693952 is beyond the end of the file"},
		{"string array length beyond file", withKV(func(e *enc) { e.kv("a", TypeArray).arr(TypeString, 3).u64(0).u64(0) }), "array length 3 is beyond the end of the file"},
		{"string in array beyond file", withKV(func(e *enc) { e.kv("a", TypeArray).arr(TypeString, 2).u64(9).raw(make([]byte, 8)...) }),
			"string length 9 is beyond the end of the file"},
		{"string in array eats the next one", withKV(func(e *enc) { e.kv("a", TypeArray).arr(TypeString, 2).u64(8).raw(make([]byte, 8)...) }),
			"string length 8 is beyond the end of the file: 0 bytes are left for it after the items that follow"},
		{"nested array claims what the outer needs", withKV(func(e *enc) {
			e.kv("a", TypeArray).arr(TypeArray, 2).arr(TypeUint8, 12).raw(make([]byte, 12)...)
		}), "array length 12 is beyond the end of the file: 0 bytes are left for it after the items that follow"},
		{"bool value", withKV(func(e *enc) { e.kv("a", TypeBool).u8(2) }), "bool value 2"},
		{"bool array element", withKV(func(e *enc) { e.kv("a", TypeArray).arr(TypeBool, 2).u8(1).u8(3) }), "bool array element 1 is 3"},
		{"nested too deep", withKV(func(e *enc) { e.kv("a", TypeArray); nestWire(e, maxNesting+1) }), "arrays nested more than 8 deep"},
		{"duplicate key", newFile(3, 0, 2).kv("a", TypeUint8).u8(1).kv("a", TypeInt8).u8(2).bytes(), `duplicate metadata key "a"`},
		{"alignment type", withKV(func(e *enc) { e.kv(KeyAlignment, TypeUint64).u64(32) }), "bad alignment: general.alignment has type uint64, want uint32"},
		{"alignment zero", withKV(func(e *enc) { e.kv(KeyAlignment, TypeUint32).u32(0) }), "bad alignment: general.alignment = 0 is not a power of two"},
		{"alignment 24", withKV(func(e *enc) { e.kv(KeyAlignment, TypeUint32).u32(24) }), "general.alignment = 24 is not a power of two"},
		{"alignment 2^31", withKV(func(e *enc) { e.kv(KeyAlignment, TypeUint32).u32(1 << 31) }), "bad alignment: general.alignment = 2147483648 is larger than 1073741824"},
		{"truncated tensor info", newFile(3, 1, 0).str("w").u32(1).u64(4).raw(make([]byte, 6)...).bytes(), `tensor 0: "w": at byte 49: truncated: offset needs 8 bytes, 2 left`},
		{"tensor name beyond file", newFile(3, 1, 0).u64(1 << 20).raw(make([]byte, 30)...).bytes(), "tensor 0: at byte 32: name length 1048576 is beyond the end of the file"},
		{"unknown tensor type", withTensors(1, func(e *enc) { e.tensor("w", 4, 0, 8) }, 32), `tensor 0: "w": at byte 45: unknown tensor type 4`},
		{"unknown tensor type 200", withTensors(1, func(e *enc) { e.tensor("w", 200, 0, 8) }, 32), "unknown tensor type 200"},
		{"too many dimensions", withTensors(1, func(e *enc) { e.tensor("w", f32, 0, 1, 1, 1, 1, 1) }, 32), "5 dimensions (at most 4)"},
		{"dimension beyond int64", withTensors(1, func(e *enc) { e.tensor("w", f32, 0, 1<<63) }, 32), "dimension 0 is 9223372036854775808: the element count overflows"},
		{"dimension product overflows", withTensors(1, func(e *enc) { e.tensor("w", f32, 0, 1<<32, 1<<31, 2) }, 32), "shape [4294967296 2147483648 2]: the element count overflows"},
		{"data size overflows", withTensors(1, func(e *enc) { e.tensor("w", f32, 0, 1<<62) }, 32), "data size of F32 overflows"},
		{"partial block", withTensors(1, func(e *enc) { e.tensor("w", uint32(quant.Q4_K), 0, 128) }, 144), "row length 128 is not a multiple of Q4_K's block size 256"},
		{"data beyond the end", withTensors(1, func(e *enc) { e.tensor("w", f32, 0, 9) }, 32), `tensor "w": data [64, +36) lies outside the file (96 bytes)`},
		{"offset beyond the end", withTensors(1, func(e *enc) { e.tensor("w", f32, 1<<40, 1) }, 32), "lies outside the file"},
		{"offset beyond int64", withTensors(1, func(e *enc) { e.tensor("w", f32, 1<<63, 1) }, 32), "data offset 9223372036854775808 is outside the file"},
		{"data section beyond the end", newFile(3, 1, 0).tensor("w", f32, 0, 1).bytes(), "lies outside the file"},
		{"misaligned offset", withTensors(1, func(e *enc) { e.tensor("w", f32, 4, 1) }, 32), `tensor "w": offset 4 is not a multiple of the alignment 32`},
		{"overlapping tensors", withTensors(2, func(e *enc) { e.tensor("a", f32, 0, 16).tensor("b", f32, 32, 4) }, 96), `tensor "b" overlaps tensor "a"`},
		{"same offset", withTensors(2, func(e *enc) { e.tensor("a", f32, 32, 4).tensor("b", f32, 32, 4) }, 96), "overlaps tensor"},
		{"duplicate tensor", withTensors(2, func(e *enc) { e.tensor("a", f32, 0, 4).tensor("a", f32, 32, 4) }, 64), `duplicate tensor name "a"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.data)
			if err == nil {
				t.Fatalf("parsed: %d KV, %d tensors", len(f.KV), len(f.Tensors))
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %q does not wrap ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant one containing %q", err, tc.want)
			}
		})
	}
}

// TestLenient checks files that are odd but valid: tensors out of offset
// order, gaps between them, zero-sized tensors sharing an offset, a tensor
// of no dimensions, and a file with no data section at all.
func TestLenient(t *testing.T) {
	f32 := uint32(quant.F32)
	cases := []struct {
		name string
		data []byte
	}{
		{"out of order", withTensors(2, func(e *enc) { e.tensor("a", f32, 64, 4).tensor("b", f32, 0, 4) }, 96)},
		{"gap", withTensors(2, func(e *enc) { e.tensor("a", f32, 0, 4).tensor("b", f32, 96, 4) }, 128)},
		{"empty tensors", withTensors(3, func(e *enc) { e.tensor("a", f32, 0, 0).tensor("b", f32, 0, 4, 0).tensor("c", f32, 0, 4) }, 16)},
		{"scalar", withTensors(1, func(e *enc) { e.tensor("s", f32, 0) }, 4)},
		{"no tensors, no padding", withKV(func(e *enc) { e.kv("a", TypeUint8).u8(1) })},
		{"only a header", newFile(3, 0, 0).bytes()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkParsed(f); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkParsed checks what must hold of any file Parse accepted: every
// tensor's data can be taken, and the file rewritten by Writer parses to the
// same metadata and tensor bytes (compared by writing it a second time).
func checkParsed(f *File) error {
	rewrite := func(f *File) ([]byte, error) {
		w := NewWriter()
		if err := w.CopyMetadata(f); err != nil {
			return nil, err
		}
		for i := range f.Tensors {
			if err := w.CopyTensor(f, &f.Tensors[i]); err != nil {
				return nil, err
			}
		}
		var buf bytes.Buffer
		_, err := w.WriteTo(&buf)
		return buf.Bytes(), err
	}
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if d := f.Data(t); int64(len(d)) != t.Size {
			return fmt.Errorf("tensor %q: %d bytes of data, want %d", t.Name, len(d), t.Size)
		}
		if t.Elements() < 0 || t.Rows() < 0 {
			return fmt.Errorf("tensor %q: %d elements, %d rows", t.Name, t.Elements(), t.Rows())
		}
	}
	once, err := rewrite(f)
	if err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	g, err := Parse(once)
	if err != nil {
		return fmt.Errorf("rewritten file does not parse: %w", err)
	}
	twice, err := rewrite(g)
	if err != nil {
		return fmt.Errorf("second rewrite: %w", err)
	}
	if !bytes.Equal(once, twice) {
		return fmt.Errorf("rewriting the rewritten file changed it")
	}
	if len(g.Tensors) != len(f.Tensors) || len(g.KV) != len(f.KV) {
		return fmt.Errorf("rewritten file has %d KV, %d tensors; want %d, %d", len(g.KV), len(g.Tensors), len(f.KV), len(f.Tensors))
	}
	for i := range f.Tensors {
		if !bytes.Equal(f.Data(&f.Tensors[i]), g.Data(&g.Tensors[i])) {
			return fmt.Errorf("tensor %q: data changed by the rewrite", f.Tensors[i].Name)
		}
	}
	return nil
}

// dataEnd is where the last tensor's data ends: a file cut there or later
// (only padding lost) is still valid; one cut earlier is not.
func dataEnd(f *File) int {
	if len(f.Tensors) == 0 {
		return len(f.data)
	}
	end := f.DataOffset
	for _, tn := range f.Tensors {
		end = max(end, f.DataOffset+tn.Offset+tn.Size)
	}
	return int(end)
}

// checkTruncation parses data cut to n bytes: it must fail when something
// was lost, and be valid otherwise. A valid result goes through checkParsed
// when deep, else only its tensor data is taken (TestRewriteRealFiles
// rewrites the real files whole already).
func checkTruncation(t *testing.T, data []byte, n, end int, deep bool) {
	f, err := Parse(data[:n])
	switch {
	case n < end && err == nil:
		t.Errorf("cut to %d of %d bytes (data ends at %d): parsed", n, len(data), end)
	case n < end && !errors.Is(err, ErrFormat):
		t.Errorf("cut to %d: error %v does not wrap ErrFormat", n, err)
	case n >= end && err != nil:
		t.Errorf("cut to %d, after the data's end %d: %v", n, end, err)
	case err == nil && !deep:
		for i := range f.Tensors {
			f.Data(&f.Tensors[i])
		}
	case err == nil:
		if err := checkParsed(f); err != nil {
			t.Errorf("cut to %d: %v", n, err)
		}
	}
}

// sparse is the step of the exhaustive loops: 1, or more under the race
// detector.
func sparse(step int) int {
	if raceEnabled {
		return step
	}
	return 1
}

// readReal reads and parses one real file.
func readReal(t *testing.T, dir, name string) ([]byte, *File) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return data, f
}

// smallestVocab is the vocabulary file whose header TestByteFlips corrupts
// at every bit (the header of the others is no different, and parsing them
// costs more).
const smallestVocab = "vocab/ggml-vocab-bert-bge.gguf"

// exhaustive is the real file whose metadata the tests cut and corrupt at
// every byte: a real model with a real 512-token vocabulary (14 KB before
// its tensor data).
const exhaustive = "stories260K/stories260K-Q4_0.gguf"

// TestTruncation cuts files at every length (the hand-built file, and the
// header, metadata and tensor infos of a real model) or at sampled lengths
// (the other real files).
func TestTruncation(t *testing.T) {
	t.Run("tiny", func(t *testing.T) {
		data := tinyFile()
		f, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= len(data); n++ {
			checkTruncation(t, data, n, dataEnd(f), true)
		}
	})
	dir, files := realFiles(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			data, f := readReal(t, dir, name)
			end := dataEnd(f)
			var lengths []int
			switch {
			case name == exhaustive:
				for n := 0; n <= int(f.DataOffset)+64; n += sparse(13) {
					lengths = append(lengths, n)
				}
			case len(f.Tensors) == 0:
				// Vocabularies: a parse costs the whole prefix (4 MB at
				// most), so take few lengths, and only short ones under the
				// race detector.
				lengths = []int{0, 23, 24, 100, 4096}
				if !raceEnabled {
					lengths = append(lengths, rng.IntN(len(data)), end-1, end)
				}
			default:
				for i := 0; i < 40/sparse(4); i++ {
					lengths = append(lengths, rng.IntN(int(f.DataOffset)))
				}
				for i := 0; i < 10/sparse(5); i++ {
					lengths = append(lengths, rng.IntN(len(data)+1))
				}
				lengths = append(lengths, end-1, end, len(data))
			}
			for _, n := range lengths {
				checkTruncation(t, data, n, end, false)
			}
		})
	}
}

// TestByteFlips corrupts bytes of the header, metadata and tensor infos:
// every byte of the hand-built file with several masks, every byte of a real
// model's header and tensor infos and one in three of its metadata, and
// sampled bytes of the other real files. Each corruption must give an error
// or a file that checkParsed accepts; never a panic.
func TestByteFlips(t *testing.T) {
	// flip corrupts data[pos] and parses. A valid result is rewritten and
	// compared (checkParsed) when deep; else only its tensor data is taken
	// (rewriting a real file costs a copy of all its data).
	flip := func(t *testing.T, data []byte, pos int, mask byte, deep bool) {
		data[pos] ^= mask
		defer func() {
			data[pos] ^= mask
			if r := recover(); r != nil {
				t.Fatalf("byte %d ^ %#x: panic: %v", pos, mask, r)
			}
		}()
		f, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Errorf("byte %d ^ %#x: error %v does not wrap ErrFormat", pos, mask, err)
			}
			return
		}
		if !deep {
			for i := range f.Tensors {
				f.Data(&f.Tensors[i])
			}
			return
		}
		if err := checkParsed(f); err != nil {
			t.Errorf("byte %d ^ %#x: %v", pos, mask, err)
		}
	}
	t.Run("tiny", func(t *testing.T) {
		data := tinyFile()
		for pos := range data {
			for _, mask := range []byte{0x01, 0x02, 0x10, 0x80, 0xff} {
				flip(t, data, pos, mask, true)
			}
		}
	})
	dir, files := realFiles(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			data, f := readReal(t, dir, name)
			info, meta := f.infoOff, int(f.DataOffset)
			if len(f.Tensors) == 0 {
				meta = len(data)
			}
			switch {
			case name == exhaustive:
				for pos := 0; pos < meta; pos += sparse(7) {
					inKV := pos >= 1024 && pos < info
					if !inKV || pos%3 == 0 {
						flip(t, data, pos, 0xff, !inKV && pos%sparse(5) == 0)
					}
				}
			case len(f.Tensors) == 0:
				// Vocabularies: most corruptions leave a valid file, whose
				// parse costs all of it (4 MB at most): take a few.
				for i := 0; i < 4/sparse(4); i++ {
					flip(t, data, rng.IntN(min(meta, 4096)), byte(1+rng.IntN(255)), false)
				}
				if name != smallestVocab || raceEnabled {
					return
				}
			default:
				for i := 0; i < 100/sparse(5); i++ {
					pos := info + rng.IntN(meta-info) // the tensor infos
					flip(t, data, pos, byte(1+rng.IntN(255)), i%10 == 0)
					flip(t, data, rng.IntN(info), byte(1+rng.IntN(255)), false)
				}
			}
			// The fixed-size fields at the start, with every single-bit mask.
			for pos := 0; pos < headerSize; pos++ {
				for bit := 0; bit < 8; bit++ {
					flip(t, data, pos, 1<<bit, false)
				}
			}
		})
	}
}

// TestRealFileOpens is a quick check that testdata.Path is used (and the
// shared data is found) by the tests above.
func TestRealFileOpens(t *testing.T) {
	f, err := Open(testdata.Path(t, "synth-tiny", "synth-tiny-Q2_K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := checkParsed(f); err != nil {
		t.Error(err)
	}
}
