package tokenizer

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
)

// fuzzVocabs are loaded once per process: FromGGUF runs once, not per input.
var fuzzVocabs struct {
	once sync.Once
	toks []*Tokenizer
}

func fuzzTokenizers(t *testing.T) []*Tokenizer {
	fuzzVocabs.once.Do(func() {
		for _, name := range []string{"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-bert-bge.gguf"} {
			fuzzVocabs.toks = append(fuzzVocabs.toks, loadTokenizer(t, testdata.Path(t, "vocab", name)))
		}
	})
	if len(fuzzVocabs.toks) == 0 {
		t.Fatal("no vocabularies")
	}
	return fuzzVocabs.toks
}

// FuzzEncode feeds arbitrary bytes to every kind of tokenizer: Encode must
// not panic and must return ids in range; SentencePiece must give back
// valid UTF-8 exactly; byte-level BPE without clean-up must give back the text as
// llama.cpp decodes it (each undecodable byte as U+FFFD); the streaming
// decoder must agree with Decode; and every pre-tokenizer must cover its
// input.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		"", " ", "Hello world", " Hello World!", "\n\n\t  \r\n", "I'm don't WE'LL",
		"ied 4 ½ months", "🚀 (normal) 😶‍🌫️", "我想在apple工作1314151天～", "<s>hi</s><|endoftext|>",
		"\xff\xfe", "\xc0\x80", "\xed\xa0\x80", "\xf5\x80\x80\x80", "\xe2\x82", "a\x00b", "  ,  ' s 're",
		strings.Repeat("3", 20), strings.Repeat(" ", 40) + "x", "Äpfel ÉCOLE naïve \u0301",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, parseSpecial bool) {
		for _, tok := range fuzzTokenizers(t) {
			ids := tok.Encode(s, true, parseSpecial)
			for _, id := range ids {
				if id < 0 || int(id) >= tok.VocabSize() {
					t.Fatalf("%s: id %d out of range", tok.Pre(), id)
				}
			}
			plain := tok.Encode(s, false, false)
			switch {
			case tok.kind == kindSPM && utf8.ValidString(s):
				// Invalid UTF-8 is not kept: a lead byte takes the next bytes
				// with it even when they start an escaped space, as in llama.cpp.
				if got := tok.Decode(plain); got != s {
					t.Fatalf("llama-spm: Decode(Encode(%q)) = %q", s, got)
				}
			case tok.kind == kindBPE && !tok.cleanSpaces:
				var want []byte
				for _, c := range decodeCpts(s, nil) {
					want = appendCpt(want, c)
				}
				if got := tok.Decode(plain); got != string(want) {
					t.Fatalf("%s: Decode(Encode(%q)) = %q, want %q", tok.Pre(), s, got, want)
				}
			}
			d := tok.NewDecoder()
			var b strings.Builder
			for _, id := range ids {
				b.WriteString(d.Add(id))
			}
			b.WriteString(d.Flush())
			if want := tok.Decode(ids); b.String() != want {
				t.Fatalf("%s: stream %q, Decode %q", tok.Model(), b.String(), want)
			}
		}
		var r runes
		r.reset(s)
		for name, p := range preTypes {
			total := 0
			for _, n := range splitPieces(&r, p.splitters) {
				if n <= 0 {
					t.Fatalf("%s: empty piece", name)
				}
				total += n
			}
			if total != len(r.c) {
				t.Fatalf("%s: pieces cover %d of %d code points", name, total, len(r.c))
			}
		}
	})
}

// FuzzFromGGUF builds vocabularies from arbitrary token lists, types, scores
// and merges: FromGGUF must return an error or a tokenizer, never panic, and
// a tokenizer must encode and decode any text.
func FuzzFromGGUF(f *testing.F) {
	f.Add("gpt2", "gpt-2", "a\x00b\x00ab\x00Ġ\x00<|endoftext|>", "\x01\x01\x01\x01\x03", "a b\x00Ġ ab", int64(4), "ab ab<|endoftext|>")
	f.Add("llama", "", "<unk>\x00<s>\x00</s>\x00<0x0A>\x00▁\x00a\x00▁a", "\x02\x03\x03\x06\x01\x01\x01", "", int64(1), "a\na a")
	f.Add("bert", "", "[PAD]\x00[UNK]\x00▁a\x00b", "\x03\x03\x01\x01", "", int64(-1), "A b, c")
	f.Add("gemma4", "", "<bos>\x00▁\x00a\x00<0x41>", "\x03\x01\x01\x06", "▁ a", int64(0), "A a")
	f.Add("gpt2", "llama3", "a\x00\x00a", "", "a a", int64(9), "")
	f.Fuzz(func(t *testing.T, model, pre, tokens, types, merges string, bos int64, text string) {
		toks := strings.Split(tokens, "\x00")
		entries := []kv{{keyModel, model}, {keyPre, pre}, {keyTokens, toks}}
		if types != "" {
			ty := make([]int32, len(types))
			for i := range ty {
				ty[i] = int32(types[i] % 8)
			}
			entries = append(entries, kv{keyTypes, ty})
		}
		sc := make([]float32, len(toks))
		for i := range sc {
			sc[i] = float32(len(toks[i]))
		}
		entries = append(entries, kv{keyScores, sc})
		if merges != "" {
			entries = append(entries, kv{keyMerges, strings.Split(merges, "\x00")})
		}
		if bos >= 0 {
			entries = append(entries, kv{"tokenizer.ggml.bos_token_id", uint32(bos)})
		}
		w := buildGGUFOrNil(entries)
		if w == nil {
			return
		}
		tok, err := FromGGUF(w)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "tokenizer: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		for _, special := range []bool{false, true} {
			ids := tok.Encode(text, true, special)
			for _, id := range ids {
				if id < 0 || int(id) >= tok.VocabSize() {
					t.Fatalf("id %d out of range", id)
				}
			}
			d := tok.NewDecoder()
			var b strings.Builder
			for _, id := range ids {
				b.WriteString(d.Add(id))
			}
			b.WriteString(d.Flush())
			if b.String() != tok.Decode(ids) {
				t.Fatalf("stream %q, Decode %q", b.String(), tok.Decode(ids))
			}
		}
	})
}

// buildGGUFOrNil is buildGGUF for fuzzing: nil when the writer rejects the
// entries.
func buildGGUFOrNil(entries []kv) *gguf.File {
	w := gguf.NewWriter()
	for _, e := range entries {
		if err := w.Set(e.key, e.value); err != nil {
			return nil
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		return nil
	}
	return f
}
