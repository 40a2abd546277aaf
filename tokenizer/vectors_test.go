package tokenizer

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
)

// vocabCase is one test-tokenizer-0 case.
type vocabCase struct {
	in  string
	ids []int32
}

// readVocabCases reads NAME.gguf.inp and NAME.gguf.out as test-tokenizer-0
// does.
func readVocabCases(t testing.TB, gg string) []vocabCase {
	t.Helper()
	raw, err := os.ReadFile(gg + ".inp")
	if err != nil {
		t.Fatal(err)
	}
	const sep = "\n__ggml_vocab_test__\n"
	var ins []string
	s := string(raw)
	for pos := 0; pos < len(s); {
		next := strings.Index(s[pos:], sep)
		if next < 0 {
			ins = append(ins, s[pos:])
			break
		}
		ins = append(ins, s[pos:pos+next])
		pos += next + len(sep)
	}
	f, err := os.Open(gg + ".out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []vocabCase
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		if i >= len(ins) {
			t.Fatalf("%s: more output lines than inputs", gg)
		}
		c := vocabCase{in: ins[i], ids: []int32{}}
		for _, w := range strings.Fields(sc.Text()) {
			v, err := strconv.Atoi(w)
			if err != nil {
				t.Fatal(err)
			}
			c.ids = append(c.ids, int32(v))
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) != len(ins) || len(cases) == 0 {
		t.Fatalf("%s: %d inputs, %d outputs", gg, len(ins), len(cases))
	}
	return cases
}

// vocabFiles lists the vocab-only GGUF files of the shared test data.
func vocabFiles(t testing.TB) []string {
	dir := filepath.Dir(testdata.Path(t, "vocab", "ggml-vocab-gpt-2.gguf"))
	files, err := filepath.Glob(filepath.Join(dir, "*.gguf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vocab files in %s: %v", dir, err)
	}
	return files
}

// tokenizerCache holds the tokenizers of the shared test files, built once
// per test binary: a Tokenizer is immutable and outlives its file.
var tokenizerCache sync.Map // path -> *Tokenizer

func loadTokenizer(t testing.TB, path string) *Tokenizer {
	t.Helper()
	if tok, ok := tokenizerCache.Load(path); ok {
		return tok.(*Tokenizer)
	}
	tok := loadTokenizerOnce(t, path)
	tokenizerCache.Store(path, tok)
	return tok
}

func TestVocabVectors(t *testing.T) {
	for _, path := range vocabFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".gguf")
		t.Run(name, func(t *testing.T) {
			tok := loadTokenizer(t, path)
			fails := 0
			for _, c := range readVocabCases(t, path) {
				got := tok.Encode(c.in, false, false)
				if !equalIDs(got, c.ids) {
					fails++
					if fails <= 5 {
						t.Errorf("Encode(%q)\n got %v\nwant %v", c.in, got, c.ids)
					}
				}
			}
			if fails > 5 {
				t.Errorf("%d cases fail", fails)
			}
		})
	}
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestVocabDecode checks Decode of every case's expected ids against
// testdata/gen_decode.py, and that text survives Encode then Decode where the
// tokenizer is lossless (SentencePiece, and byte-level BPE that keeps
// spaces).
func TestVocabDecode(t *testing.T) {
	data, err := os.ReadFile("testdata/decode_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden map[string][]string
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	for _, path := range vocabFiles(t) {
		base := filepath.Base(path)
		t.Run(strings.TrimSuffix(base, ".gguf"), func(t *testing.T) {
			tok := loadTokenizer(t, path)
			cases := readVocabCases(t, path)
			want := golden[base]
			if len(want) != len(cases) {
				t.Fatalf("golden has %d texts for %d cases", len(want), len(cases))
			}
			lossless := tok.kind == kindSPM || (tok.kind == kindBPE && !tok.cleanSpaces)
			for i, c := range cases {
				w, err := hex.DecodeString(want[i])
				if err != nil {
					t.Fatal(err)
				}
				if got := tok.Decode(c.ids); got != string(w) {
					t.Errorf("Decode(%v) = %q, want %q", c.ids, got, w)
				}
				if lossless {
					if got := tok.Decode(tok.Encode(c.in, false, false)); got != c.in {
						t.Errorf("Decode(Encode(%q)) = %q", c.in, got)
					}
				}
			}
		})
	}
}

// TestVocabStreaming checks that the pieces a Decoder returns, with its
// Flush, add up to Decode, for every case and for the case texts run
// together.
func TestVocabStreaming(t *testing.T) {
	for _, path := range vocabFiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".gguf"), func(t *testing.T) {
			tok := loadTokenizer(t, path)
			var all []int32
			check := func(ids []int32) {
				d := tok.NewDecoder()
				var b strings.Builder
				for _, id := range ids {
					s := d.Add(id)
					if strings.ContainsRune(s, utf8.RuneError) && !strings.ContainsRune(tok.Decode(ids), utf8.RuneError) {
						t.Errorf("Add returned a broken UTF-8 sequence %q", s)
					}
					b.WriteString(s)
				}
				b.WriteString(d.Flush())
				if want := tok.Decode(ids); b.String() != want {
					t.Errorf("stream %v:\n got %q\nwant %q", ids, b.String(), want)
				}
			}
			for _, c := range readVocabCases(t, path) {
				check(c.ids)
				all = append(all, c.ids...)
			}
			check(all)
		})
	}
}

// loadTokenizerOnce builds a tokenizer and closes the file at once: a
// Tokenizer must not depend on the file staying open.
func loadTokenizerOnce(t testing.TB, path string) *Tokenizer {
	t.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := FromGGUF(f)
	if cerr := f.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tok
}
