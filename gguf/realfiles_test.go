package gguf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
)

// realFiles lists every .gguf file of the shared test data, as paths
// relative to its directory ("vocab/ggml-vocab-gpt-2.gguf").
func realFiles(t testing.TB) (dir string, files []string) {
	t.Helper()
	dir = filepath.Dir(testdata.Path(t, "README.md"))
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.gguf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .gguf files under %s (%v)", dir, err)
	}
	for i, f := range files {
		files[i], _ = filepath.Rel(dir, f)
	}
	return dir, files
}

// golden is what testdata/golden.py, an independent reader in Python, saw
// in the shared test data.
type golden struct {
	Version    uint32
	Size       int64
	Alignment  int
	DataOffset int64 `json:"data_offset"`
	KV         []struct {
		Key   string
		Type  string
		Value json.RawMessage
	}
	Tensors []struct {
		Name   string
		Type   uint32
		Shape  []int
		Offset int64
		Size   int64
		Sha256 string
	}
}

type goldenArray struct {
	Elem   string
	Len    int
	Sha256 string
	Head   []json.RawMessage
	Last   json.RawMessage
}

// sameJSON reports whether a JSON scalar from golden.json equals v.
func sameJSON(raw json.RawMessage, v any) bool {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var g any
	if err := d.Decode(&g); err != nil {
		return false
	}
	switch g := g.(type) {
	case json.Number:
		switch x := v.(type) {
		case float32:
			f, err := g.Float64()
			return err == nil && f == float64(x)
		case float64:
			f, err := g.Float64()
			return err == nil && f == x
		}
		return g.String() == fmt.Sprint(v)
	case string, bool:
		return g == v
	}
	return false
}

// TestRealFilesGolden reads every real file and compares what it finds
// with the independent Python reader's golden.json.
func TestRealFilesGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]golden
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	dir, files := realFiles(t)
	if len(files) != len(want) {
		t.Errorf("%d files in the test data, %d in golden.json: run testdata/golden.py again", len(files), len(want))
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			g, ok := want[filepath.ToSlash(name)]
			if !ok {
				t.Fatalf("not in golden.json")
			}
			f, err := Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Version != g.Version || f.Size() != g.Size || f.Alignment != g.Alignment || f.DataOffset != g.DataOffset {
				t.Errorf("version %d size %d alignment %d data offset %d, want %d %d %d %d",
					f.Version, f.Size(), f.Alignment, f.DataOffset, g.Version, g.Size, g.Alignment, g.DataOffset)
			}
			if len(f.KV) != len(g.KV) {
				t.Fatalf("%d metadata entries, want %d", len(f.KV), len(g.KV))
			}
			for i, kv := range f.KV {
				gk := g.KV[i]
				if kv.Key != gk.Key || typeOf(kv.Value).String() != gk.Type {
					t.Errorf("entry %d: %q of type %s, want %q of type %s", i, kv.Key, typeOf(kv.Value), gk.Key, gk.Type)
					continue
				}
				a, isArray := kv.Value.(Array)
				if !isArray {
					if !sameJSON(gk.Value, kv.Value) {
						t.Errorf("%s = %v, want %s", kv.Key, kv.Value, gk.Value)
					}
					continue
				}
				var ga goldenArray
				if err := json.Unmarshal(gk.Value, &ga); err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(appendArray(nil, a)[4+8:]) // the elements, without type and count
				if a.Elem.String() != ga.Elem || a.Len() != ga.Len || hex.EncodeToString(sum[:]) != ga.Sha256 {
					t.Errorf("%s: array of %d %s (sha256 %x), want %d %s (%s)", kv.Key, a.Len(), a.Elem, sum, ga.Len, ga.Elem, ga.Sha256)
					continue
				}
				vals := reflect.ValueOf(a.Values)
				for j, h := range ga.Head {
					if !sameJSON(h, vals.Index(j).Interface()) {
						t.Errorf("%s[%d] = %v, want %s", kv.Key, j, vals.Index(j), h)
					}
				}
				if a.Len() > 0 && !sameJSON(ga.Last, vals.Index(a.Len()-1).Interface()) {
					t.Errorf("%s[last] = %v, want %s", kv.Key, vals.Index(a.Len()-1), ga.Last)
				}
			}
			if len(f.Tensors) != len(g.Tensors) {
				t.Fatalf("%d tensors, want %d", len(f.Tensors), len(g.Tensors))
			}
			for i := range f.Tensors {
				tn, gt := &f.Tensors[i], g.Tensors[i]
				sum := sha256.Sum256(f.Data(tn))
				if tn.Name != gt.Name || uint32(tn.Type) != gt.Type || !reflect.DeepEqual(tn.Shape, gt.Shape) ||
					tn.Offset != gt.Offset || tn.Size != gt.Size || hex.EncodeToString(sum[:]) != gt.Sha256 {
					t.Errorf("tensor %d: %q %s %v at %d, %d bytes, sha256 %x; want %+v", i, tn.Name, tn.Type, tn.Shape, tn.Offset, tn.Size, sum, gt)
				}
			}
		})
	}
}

// TestRewriteRealFiles copies each real file's metadata and tensors into a
// Writer and checks the result is the original, byte for byte: Writer lays
// files out exactly as llama.cpp (models) and gguf-py (vocabularies) do.
func TestRewriteRealFiles(t *testing.T) {
	dir, files := realFiles(t)
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w := NewWriter()
			if err := w.CopyMetadata(f); err != nil {
				t.Fatal(err)
			}
			for i := range f.Tensors {
				if err := w.CopyTensor(f, &f.Tensors[i]); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if _, err := w.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), orig) {
				n := 0
				for n < min(len(orig), buf.Len()) && orig[n] == buf.Bytes()[n] {
					n++
				}
				t.Errorf("rewritten file differs from the original at byte %d (sizes %d, %d)", n, buf.Len(), len(orig))
			}
		})
	}
}

// TestAccessors checks the typed accessors on a real model's metadata.
func TestAccessors(t *testing.T) {
	f, err := Open(testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if s, ok := f.String("general.architecture"); !ok || s != "llama" {
		t.Errorf("String = %q, %v", s, ok)
	}
	if n, ok := f.Uint("llama.block_count"); !ok || n != 5 {
		t.Errorf("Uint = %d, %v", n, ok)
	}
	if n, ok := f.Int("llama.embedding_length"); !ok || n != 64 {
		t.Errorf("Int = %d, %v", n, ok)
	}
	if x, ok := f.Float("llama.attention.layer_norm_rms_epsilon"); !ok || float32(x) != 1e-5 {
		t.Errorf("Float = %g, %v", x, ok)
	}
	if x, ok := f.Float("llama.block_count"); !ok || x != 5 {
		t.Errorf("Float of an integer = %g, %v", x, ok)
	}
	if toks, ok := f.Strings("tokenizer.ggml.tokens"); !ok || len(toks) != 512 || toks[1] != "<s>" {
		t.Errorf("Strings: %d, %v", len(toks), ok)
	}
	if sc, ok := f.Float32s("tokenizer.ggml.scores"); !ok || len(sc) != 512 || sc[511] != -252 {
		t.Errorf("Float32s: %d, %v", len(sc), ok)
	}
	if tt, ok := f.Int32s("tokenizer.ggml.token_type"); !ok || len(tt) != 512 || tt[0] != 2 {
		t.Errorf("Int32s: %d, %v", len(tt), ok)
	}
	if _, ok := f.String("llama.block_count"); ok {
		t.Error("String of a uint32 succeeded")
	}
	if _, ok := f.Uint("no.such.key"); ok {
		t.Error("Uint of a missing key succeeded")
	}
	if _, ok := f.Strings("tokenizer.ggml.scores"); ok {
		t.Error("Strings of float32s succeeded")
	}
	tn, ok := f.Tensor("blk.0.ffn_down.weight")
	if !ok || tn.Rows() != 64 || tn.Elements() != 172*64 {
		t.Errorf("ffn_down: %+v", tn)
	}
	if _, ok := f.Tensor("nope"); ok {
		t.Error("Tensor(nope) found")
	}
}

// TestInt32s checks the integer array conversion on every element type.
func TestInt32s(t *testing.T) {
	cases := []struct {
		values any
		want   []int32
		ok     bool
	}{
		{[]uint8{0, 255}, []int32{0, 255}, true},
		{[]int8{-128, 127}, []int32{-128, 127}, true},
		{[]uint16{65535}, []int32{65535}, true},
		{[]int16{-32768}, []int32{-32768}, true},
		{[]uint32{1 << 31}, nil, false},
		{[]uint32{1<<31 - 1}, []int32{1<<31 - 1}, true},
		{[]int32{-5}, []int32{-5}, true},
		{[]uint64{1 << 40}, nil, false},
		{[]uint64{3}, []int32{3}, true},
		{[]int64{-1 << 31}, []int32{-1 << 31}, true},
		{[]int64{-1<<31 - 1}, nil, false},
		{[]float32{1}, nil, false},
		{[]string{"1"}, nil, false},
	}
	for _, tc := range cases {
		w := NewWriter()
		if err := w.Set("k", tc.values); err != nil {
			t.Fatal(err)
		}
		f := writeParse(t, w)
		got, ok := f.Int32s("k")
		if ok != tc.ok || (ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("Int32s(%v) = %v, %v; want %v, %v", tc.values, got, ok, tc.want, tc.ok)
		}
	}
}

// TestOpenErrors checks Open on paths that are not GGUF files.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.gguf")
	if err := os.WriteFile(short, []byte("GGUF\x03\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.gguf")
	if err := os.WriteFile(bad, append([]byte("GGUF\x01"), make([]byte, 40)...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.gguf"), "no such file"},
		{dir, "not a regular file"},
		{short, "truncated"},
		{bad, "bad.gguf: gguf: malformed file: version 1 is not supported"},
		{short, "short.gguf: gguf: malformed file: at byte 0: truncated: header needs 24 bytes, 8 left"},
	} {
		f, err := Open(tc.path)
		if err == nil {
			f.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s): %v, want an error containing %q", tc.path, err, tc.want)
		}
	}
}

// TestDataAfterClose checks the Close contract: Data on a closed File
// panics with a message that says so, and Close twice is harmless.
func TestDataAfterClose(t *testing.T) {
	f, err := Open(testdata.Path(t, "stories260K", "stories260K-Q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	tn := &f.Tensors[0]
	if len(f.Data(tn)) != int(tn.Size) {
		t.Fatal("Data before Close")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, ok := f.String("general.architecture"); !ok {
		t.Error("metadata lost after Close")
	}
	msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		f.Data(tn)
		return ""
	}()
	if !strings.Contains(msg, "closed File") {
		t.Errorf("Data after Close: panic %q, want one about a closed File", msg)
	}
	// A tensor that is not in the file is a caller's bug too.
	g, err := Parse(tinyFile())
	if err != nil {
		t.Fatal(err)
	}
	msg = func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		g.Data(tn)
		return ""
	}()
	if !strings.Contains(msg, "not inside this file") {
		t.Errorf("Data of a foreign tensor: panic %q", msg)
	}
}

// largestVocab is the path of the largest vocabulary file of the test data:
// its metadata (100k tokens and merges) is most of its 4 MB.
func largestVocab(b *testing.B) string {
	dir, files := realFiles(b)
	sort.Slice(files, func(i, j int) bool { return size(dir, files[i]) > size(dir, files[j]) })
	for _, f := range files {
		if strings.HasPrefix(f, "vocab") {
			return filepath.Join(dir, f)
		}
	}
	b.Fatal("no vocabulary file")
	return ""
}

// BenchmarkOpen measures opening (mapping and parsing) the largest
// vocabulary file of the test data.
func BenchmarkOpen(b *testing.B) {
	path := largestVocab(b)
	b.Logf("%s", filepath.Base(path))
	b.SetBytes(size(filepath.Dir(path), filepath.Base(path)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkParse is BenchmarkOpen without the mapping: the file is read into
// memory once, so page faults are not counted.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(largestVocab(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func size(dir, name string) int64 {
	fi, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		return 0
	}
	return fi.Size()
}
