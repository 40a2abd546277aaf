package modelgen_test

import (
	"testing"
	"unicode/utf8"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/modelgen"
)

func kvMap(v modelgen.Vocab) map[string]any {
	m := map[string]any{}
	for _, kv := range v.KV {
		m[kv.Key] = kv.Value
	}
	return m
}

// TestSyntheticVocab checks what a SentencePiece tokenizer needs: unique
// pieces, the specials and byte tokens where llama's vocabularies have
// them, and every longer piece reachable by merging two shorter ones.
func TestSyntheticVocab(t *testing.T) {
	for _, n := range []int{259, 300, 512, 32000, 151936} {
		v, err := modelgen.SyntheticVocab(n)
		if err != nil {
			t.Fatal(err)
		}
		m := kvMap(v)
		toks := m["tokenizer.ggml.tokens"].(gguf.Array).Values.([]string)
		types := m["tokenizer.ggml.token_type"].(gguf.Array).Values.([]int32)
		scores := m["tokenizer.ggml.scores"].(gguf.Array).Values.([]float32)
		if v.Tokens != n || len(toks) != n || len(types) != n || len(scores) != n {
			t.Fatalf("n=%d: %d tokens, %d types, %d scores (Tokens %d)", n, len(toks), len(types), len(scores), v.Tokens)
		}
		if toks[0] != "<unk>" || toks[1] != "<s>" || toks[2] != "</s>" || toks[3] != "<0x00>" || toks[258] != "<0xFF>" {
			t.Errorf("n=%d: specials and bytes %q %q %q %q %q", n, toks[0], toks[1], toks[2], toks[3], toks[258])
		}
		if m["tokenizer.ggml.model"] != "llama" || m["tokenizer.ggml.bos_token_id"] != uint32(1) || m["tokenizer.ggml.eos_token_id"] != uint32(2) {
			t.Errorf("n=%d: model %v, bos %v, eos %v", n, m["tokenizer.ggml.model"], m["tokenizer.ggml.bos_token_id"], m["tokenizer.ggml.eos_token_id"])
		}
		index := map[string]int{}
		for i, s := range toks {
			if j, dup := index[s]; dup {
				t.Fatalf("n=%d: token %q at %d and %d", n, s, j, i)
			}
			index[s] = i
		}
		for i := 259; i < n; i++ {
			s := toks[i]
			if types[i] != 1 || !utf8.ValidString(s) {
				t.Fatalf("n=%d: piece %d %q of type %d", n, i, s, types[i])
			}
			if utf8.RuneCountInString(s) == 1 {
				continue
			}
			_, last := utf8.DecodeLastRuneInString(s)
			head, tail := s[:len(s)-last], s[len(s)-last:]
			if _, ok := index[head]; !ok {
				t.Fatalf("n=%d: piece %q cannot be merged: %q is not a piece", n, s, head)
			}
			if _, ok := index[tail]; !ok {
				t.Fatalf("n=%d: piece %q cannot be merged: %q is not a piece", n, s, tail)
			}
			if i > 259 && scores[i] >= scores[i-1] {
				t.Fatalf("n=%d: scores not decreasing at %d", n, i)
			}
		}
	}
	if _, err := modelgen.SyntheticVocab(258); err == nil {
		t.Error("258 tokens: no error")
	}
}

func TestVocabFrom(t *testing.T) {
	f, err := gguf.Open(testdata.Path(t, "vocab", "ggml-vocab-llama-spm.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := modelgen.VocabFrom(f)
	if err != nil {
		t.Fatal(err)
	}
	if v.Tokens != 32000 {
		t.Errorf("%d tokens, want 32000", v.Tokens)
	}
	for _, kv := range v.KV {
		if len(kv.Key) < 10 || kv.Key[:10] != "tokenizer." {
			t.Errorf("copied %q", kv.Key)
		}
	}
	if m := kvMap(v); m["tokenizer.ggml.model"] != "llama" {
		t.Errorf("model %v", m["tokenizer.ggml.model"])
	}
	s, _ := modelgen.Lookup("tiny")
	kv, err := modelgen.Metadata(s, modelgen.Options{Vocab: &v})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range kv {
		if e.Key == "llama.vocab_size" && e.Value != uint32(32000) {
			t.Errorf("vocab_size %v, want 32000", e.Value)
		}
	}
}
