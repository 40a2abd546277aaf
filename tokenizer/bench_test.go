package tokenizer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
)

// benchText is a mixed English/code/Unicode paragraph.
var benchText = strings.Repeat("The quick brown fox jumps over the lazy dog. It's 3.14159 o'clock; "+
	"def main():\n    print(\"héllo wörld\")  # 😀 日本語テキスト\n\n", 40)

func benchVocab(b *testing.B, name string) *Tokenizer {
	f, err := gguf.Open(testdata.Path(b, "vocab", name))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	tok, err := FromGGUF(f)
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// BenchmarkEncode reports encoding throughput in input bytes per second.
func BenchmarkEncode(b *testing.B) {
	for _, name := range []string{"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-bert-bge.gguf"} {
		b.Run(strings.TrimSuffix(strings.TrimPrefix(name, "ggml-vocab-"), ".gguf"), func(b *testing.B) {
			tok := benchVocab(b, name)
			b.SetBytes(int64(len(benchText)))
			b.ReportAllocs()
			for b.Loop() {
				tok.Encode(benchText, true, false)
			}
		})
	}
}

// BenchmarkDecode reports decoding throughput in output bytes per second.
func BenchmarkDecode(b *testing.B) {
	tok := benchVocab(b, "ggml-vocab-gpt-2.gguf")
	ids := tok.Encode(benchText, false, false)
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		tok.Decode(ids)
	}
}

// BenchmarkFromGGUF measures building the tokenizer from an open file
// (102,400 tokens and 99,757 merges).
func BenchmarkFromGGUF(b *testing.B) {
	f, err := gguf.Open(testdata.Path(b, "vocab", "ggml-vocab-deepseek-llm.gguf"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromGGUF(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromGGUF150k builds a synthetic byte-level BPE vocabulary of
// 150,000 tokens and as many merges, each token the concatenation of two
// earlier ones.
func BenchmarkFromGGUF150k(b *testing.B) {
	const n = 150000
	toks := make([]string, 0, n)
	seen := map[string]bool{}
	for _, s := range byteRuneStrings {
		toks = append(toks, s)
		seen[s] = true
	}
	var merges []string
	x := uint64(1)
	for len(toks) < n {
		x = x*6364136223846793005 + 1442695040888963407
		l, r := toks[int(x>>33)%len(toks)], toks[int(x>>13)%len(toks)]
		if s := l + r; len(s) < 40 && !seen[s] {
			seen[s] = true
			toks = append(toks, s)
			merges = append(merges, l+" "+r)
		}
	}
	w := gguf.NewWriter()
	for _, e := range []kv{{keyModel, "gpt2"}, {keyPre, "qwen2"}, {keyTokens, toks}, {keyMerges, merges}} {
		if err := w.Set(e.key, e.value); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromGGUF(f); err != nil {
			b.Fatal(err)
		}
	}
}
