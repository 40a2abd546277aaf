package gguf

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/quant"
)

// fuzzSlack is the allocation FuzzParse allows beyond maxAllocRatio times
// the input: room for the fuzzing engine's own allocations, which TotalAlloc
// counts too.
const fuzzSlack = 256 << 10

// FuzzParse parses arbitrary bytes: Parse must return a File or an error
// wrapping ErrFormat, never panic, never allocate more than maxAllocRatio
// times its input, and what it accepts must survive checkParsed (tensor data
// reachable; rewriting is stable).
//
// Seeds: hand-built files of every value type, Writer-made files with
// tensors, and from the shared test data each real file's first bytes plus,
// for models, its real metadata and tensor infos with the tensors shrunk to
// one block (the real files are 0.3 to 4 MB, too large to mutate quickly).
// Inputs that once found bugs are kept in testdata/fuzz/FuzzParse.
//
// CI: go test -run='^$' -fuzz='^FuzzParse$' -fuzztime=20s ./gguf/
func FuzzParse(f *testing.F) {
	f.Add(tinyFile())
	for _, tc := range valueCases {
		f.Add(newFile(3, 0, 1).str("k").raw(tc.bytes...).bytes())
	}
	for _, align := range []uint32{1, 8, 32, 64} {
		w := NewWriter()
		w.Set(KeyAlignment, align)
		w.AddTensorData("a", quant.F16, []int{3}, []byte{1, 2, 3, 4, 5, 6})
		w.AddTensorData("b", quant.Q4_0, []int{32}, make([]byte, 18))
		f.Add(writeBytes(f, w))
	}
	if dir := testdata.Dir(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*.gguf"))
		for _, path := range files {
			data, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			for _, n := range []int{64, 512, 4096} {
				f.Add(data[:min(n, len(data))])
			}
			if src, err := Parse(data); err == nil && len(src.Tensors) > 0 {
				f.Add(shrunk(f, src))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g, err := Parse(data)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > maxAllocRatio*uint64(len(data))+fuzzSlack {
			t.Fatalf("allocated %d bytes parsing %d", got, len(data))
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if err := checkParsed(g); err != nil {
			t.Fatal(err)
		}
	})
}

// shrunk is src's metadata and first tensors, each cut to one block of its
// type, as a small valid file.
func shrunk(tb testing.TB, src *File) []byte {
	w := NewWriter()
	if err := w.CopyMetadata(src); err != nil {
		tb.Fatal(err)
	}
	for _, t := range src.Tensors[:min(4, len(src.Tensors))] {
		shape := []int{t.Type.BlockSize()}
		if err := w.AddTensorData(t.Name, t.Type, shape, src.Data(&t)[:t.Type.BlockBytes()]); err != nil {
			tb.Fatal(err)
		}
	}
	return writeBytes(tb, w)
}

func writeBytes(tb testing.TB, w *Writer) []byte {
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
