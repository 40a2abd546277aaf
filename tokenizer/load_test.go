package tokenizer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
)

// kv is one metadata entry for buildGGUF; a nil value leaves the key out.
type kv struct {
	key   string
	value any
}

// buildGGUF writes a vocabulary-only GGUF file in memory and parses it.
func buildGGUF(t *testing.T, entries []kv) *gguf.File {
	t.Helper()
	w := gguf.NewWriter()
	for _, e := range entries {
		if e.value == nil {
			continue
		}
		if err := w.Set(e.key, e.value); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// with returns base with the entries of over replacing or adding to it.
func with(base []kv, over ...kv) []kv {
	out := append([]kv(nil), base...)
	for _, o := range over {
		found := false
		for i := range out {
			if out[i].key == o.key {
				out[i].value = o.value
				found = true
			}
		}
		if !found {
			out = append(out, o)
		}
	}
	return out
}

// A small byte-level BPE vocabulary: "a", "b", "ab", "Ġ", "Ġab" and an
// end-of-text token.
var bpeBase = []kv{
	{keyModel, "gpt2"},
	{keyPre, "gpt-2"},
	{keyTokens, []string{"a", "b", "ab", "Ġ", "Ġab", "<|endoftext|>"}},
	{keyTypes, []int32{1, 1, 1, 1, 1, 3}},
	{keyMerges, []string{"a b", "Ġ ab"}},
	{"tokenizer.ggml.bos_token_id", uint32(5)},
	{"tokenizer.ggml.eos_token_id", uint32(5)},
}

// A small SentencePiece vocabulary with scores and two byte tokens.
var spmBase = []kv{
	{keyModel, "llama"},
	{keyTokens, []string{"<unk>", "<s>", "</s>", "<0x0A>", "<0x41>", "▁", "a", "b", "▁a", "ab", "▁ab"}},
	{keyScores, []float32{0, 0, 0, 0, 0, -1, -2, -2, -1, -3, -0.5}},
	{keyTypes, []int32{2, 3, 3, 6, 6, 1, 1, 1, 1, 1, 1}},
}

func TestFromGGUFErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		entries []kv
		want    string
	}{
		{"no model", with(bpeBase, kv{keyModel, nil}), keyModel + " is missing"},
		{"unknown model", with(bpeBase, kv{keyModel, "t5"}), `"t5" is not supported`},
		{"unknown pre", with(bpeBase, kv{keyPre, "no-such-pre"}), `"no-such-pre" is not supported`},
		{"no tokens", with(bpeBase, kv{keyTokens, nil}), keyTokens + " is missing"},
		{"tokens not strings", with(bpeBase, kv{keyTokens, []int32{1, 2}}), "not an array of strings"},
		{"empty tokens", with(spmBase, kv{keyTokens, []string{}}, kv{keyScores, nil}, kv{keyTypes, nil}), "is empty"},
		{"duplicate token", with(bpeBase, kv{keyTokens, []string{"a", "b", "ab", "Ġ", "a", "<|endoftext|>"}}), "duplicate token"},
		{"short scores", with(spmBase, kv{keyScores, []float32{0, 1}}), "2 entries for 11 tokens"},
		{"long scores", with(spmBase, kv{keyScores, make([]float32, 12)}), "12 entries for 11 tokens"},
		{"scores of strings", with(spmBase, kv{keyScores, []string{"x"}}), keyScores + " is not an array"},
		{"short types", with(bpeBase, kv{keyTypes, []int32{1}}), "1 entries for 6 tokens"},
		{"types of floats", with(bpeBase, kv{keyTypes, []float32{1, 1, 1, 1, 1, 1}}), keyTypes + " is not an array"},
		{"no merges", with(bpeBase, kv{keyMerges, nil}), keyMerges + " is missing"},
		{"merges not strings", with(bpeBase, kv{keyMerges, []uint32{1}}), keyMerges + " is not an array"},
		{"merge without space", with(bpeBase, kv{keyMerges, []string{"ab"}}), `"ab" is not two tokens`},
		{"merge of unknown token", with(bpeBase, kv{keyMerges, []string{"a c"}}), `"c" is not a token`},
		{"bos out of range", with(bpeBase, kv{"tokenizer.ggml.bos_token_id", uint32(6)}), "bos_token_id = 6 is out of range"},
		{"eos negative", with(bpeBase, kv{"tokenizer.ggml.eos_token_id", int32(-7)}), "eos_token_id = -7 is out of range"},
		{"huge unk", with(spmBase, kv{"tokenizer.ggml.unknown_token_id", uint64(1) << 40}), "out of range"},
		{"id of wrong type", with(bpeBase, kv{"tokenizer.ggml.eos_token_id", "x"}), "want an integer"},
		{"add_bos not bool", with(bpeBase, kv{keyAddBOS, uint8(1)}), keyAddBOS + " is not a bool"},
		{"add_bos without bos", with(bpeBase, kv{keyPre, "chatglm-bpe"}, kv{"tokenizer.ggml.bos_token_id", nil}, kv{keyAddBOS, true}), "bos_token_id is not set"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromGGUF(buildGGUF(t, c.entries))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "tokenizer: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestSmallBPE(t *testing.T) {
	tok, err := FromGGUF(buildGGUF(t, bpeBase))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in                string
		add, parseSpecial bool
		want              []int32
	}{
		{"ab", false, false, []int32{2}},
		{" ab", false, false, []int32{4}},
		{"ba", false, false, []int32{1, 0}},
		// "c" has no token and its byte-level character none either: dropped.
		{"acb", false, false, []int32{0, 1}},
		{"ab<|endoftext|>", false, true, []int32{2, 5}},
		{"ab", true, false, []int32{2}},
	} {
		if got := tok.Encode(c.in, c.add, c.parseSpecial); !equalIDs(got, c.want) {
			t.Errorf("Encode(%q, %v, %v) = %v, want %v", c.in, c.add, c.parseSpecial, got, c.want)
		}
	}
	if id, ok := tok.BOS(); !ok || id != 5 {
		t.Errorf("BOS = %d, %v", id, ok)
	}
	if !tok.IsEOG(5) || tok.IsEOG(2) {
		t.Errorf("IsEOG: 5 %v, 2 %v", tok.IsEOG(5), tok.IsEOG(2))
	}
	if tok.AddBOS() || tok.AddEOS() {
		t.Error("gpt-2 adds no BOS or EOS by default")
	}
	if got := tok.Decode([]int32{4, 5, 1}); got != " abb" {
		t.Errorf("Decode = %q", got)
	}
	if got := string(tok.TokenPiece(5)); got != "<|endoftext|>" {
		t.Errorf("TokenPiece(5) = %q", got)
	}
	if tok.TokenPiece(6) != nil || tok.TokenPiece(-1) != nil {
		t.Error("TokenPiece out of range is not nil")
	}
	if got := tok.Decode([]int32{-3, 99, 0}); got != "a" {
		t.Errorf("Decode with bad ids = %q", got)
	}
}

func TestSmallSPM(t *testing.T) {
	tok, err := FromGGUF(buildGGUF(t, spmBase))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in                string
		add, parseSpecial bool
		want              []int32
	}{
		{"ab", false, false, []int32{10}},
		{"ab", true, false, []int32{1, 10}},
		{"a\n", false, false, []int32{8, 3}},
		// "A" has a byte token, "B" none: the unknown token stands in.
		{"AB", false, false, []int32{5, 4, 0}},
		// After a special token the text gets the dummy prefix again.
		{"a</s>ab", false, true, []int32{8, 2, 10}},
		{"a</s>ab", false, false, []int32{8, 0, 0, 0, 0, 9}},
	} {
		if got := tok.Encode(c.in, c.add, c.parseSpecial); !equalIDs(got, c.want) {
			t.Errorf("Encode(%q, %v, %v) = %v, want %v", c.in, c.add, c.parseSpecial, got, c.want)
		}
	}
	if !tok.AddBOS() || tok.AddEOS() {
		t.Error("llama vocabularies add BOS, not EOS, by default")
	}
	if got := tok.Decode([]int32{1, 10, 3, 4}); got != " ab\nA" {
		t.Errorf("Decode = %q", got)
	}
	if got := tok.Decode([]int32{10, 3, 4}); got != "ab\nA" {
		t.Errorf("Decode = %q", got)
	}
}

// TestParseSpecial checks control-token parsing on real vocabularies, with
// ids from the test-tokenizer-0 cases ("Hello world" is 15043 3186 in
// llama-spm; "<|endoftext|>" is 50256 in gpt-2).
func TestParseSpecial(t *testing.T) {
	spm := loadTokenizer(t, testdata.Path(t, "vocab", "ggml-vocab-llama-spm.gguf"))
	for _, c := range []struct {
		in                string
		add, parseSpecial bool
		want              []int32
	}{
		{"Hello world", true, false, []int32{1, 15043, 3186}},
		{"<s>Hello world", false, true, []int32{1, 15043, 3186}},
		{"Hello world</s>", false, true, []int32{15043, 3186, 2}},
		{"Hello world", true, true, []int32{1, 15043, 3186}},
	} {
		if got := spm.Encode(c.in, c.add, c.parseSpecial); !equalIDs(got, c.want) {
			t.Errorf("llama-spm Encode(%q, %v, %v) = %v, want %v", c.in, c.add, c.parseSpecial, got, c.want)
		}
	}
	if got := spm.Encode("<s>", false, false); len(got) < 2 {
		t.Errorf("without parseSpecial <s> should be text, got %v", got)
	}
	gpt2 := loadTokenizer(t, testdata.Path(t, "vocab", "ggml-vocab-gpt-2.gguf"))
	if got := gpt2.Encode("<|endoftext|>", false, true); !equalIDs(got, []int32{50256}) {
		t.Errorf("gpt-2 parse <|endoftext|> = %v", got)
	}
	if got := gpt2.Encode("<|endoftext|>", false, false); len(got) < 2 {
		t.Errorf("gpt-2 <|endoftext|> as text = %v", got)
	}
	if !gpt2.IsEOG(50256) {
		t.Error("<|endoftext|> is not end of generation")
	}
	bert := loadTokenizer(t, testdata.Path(t, "vocab", "ggml-vocab-bert-bge.gguf"))
	got := bert.Encode("hello", true, false)
	if len(got) != 3 || got[0] != 101 || got[2] != 102 {
		t.Errorf("bert Encode with special = %v, want [CLS] ... [SEP]", got)
	}
}

// TestStrip checks the lstrip/rstrip attributes of special tokens (phi-3
// gives its special tokens rstrip; jina's <mask> has lstrip).
func TestStrip(t *testing.T) {
	tok, err := FromGGUF(buildGGUF(t, with(spmBase,
		kv{keyTokens, []string{"<unk>", "<s>", "</s>", "<0x0A>", "<0x41>", "▁", "a", "b", "▁a", "ab", "<|end|>"}},
		kv{keyTypes, []int32{2, 3, 3, 6, 6, 1, 1, 1, 1, 1, 3}},
		kv{keyGeneralName, "Phi-3 mini"})))
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenAttr(10)&AttrRStrip == 0 || tok.TokenAttr(1)&AttrRStrip != 0 {
		t.Fatalf("attrs: <|end|> %b, <s> %b", tok.TokenAttr(10), tok.TokenAttr(1))
	}
	// The spaces after <|end|> go; "a" then starts a new text fragment.
	if got := tok.Encode("a<|end|>  a", false, true); !equalIDs(got, []int32{8, 10, 8}) {
		t.Errorf("rstrip: %v", got)
	}
	if !tok.IsEOG(10) {
		t.Error("<|end|> is end of generation")
	}
}

// TestSmallGemma4 checks the SentencePiece-style BPE of tokenizer.ggml.model
// "gemma4": spaces as U+2581, merges over raw UTF-8, <0xXX> byte fallback,
// newline runs taken whole, and BOS always added.
func TestSmallGemma4(t *testing.T) {
	entries := []kv{
		{keyModel, "gemma4"},
		{keyTokens, []string{"<pad>", "<bos>", "<eos>", "<0x0A>", "<0xC3>", "<0xA9>", "▁", "h", "i", "hi", "▁hi", "\n\n", "\n"}},
		{keyTypes, []int32{3, 3, 3, 6, 6, 6, 1, 1, 1, 1, 1, 1, 1}},
		{keyMerges, []string{"h i", "▁ hi"}},
		{"tokenizer.ggml.bos_token_id", uint32(1)},
		{"tokenizer.ggml.eos_token_id", uint32(2)},
		{keyAddBOS, false},
	}
	tok, err := FromGGUF(buildGGUF(t, entries))
	if err != nil {
		t.Fatal(err)
	}
	if !tok.AddBOS() || tok.Pre() != "gemma4" {
		t.Errorf("AddBOS %v, Pre %q", tok.AddBOS(), tok.Pre())
	}
	for _, c := range []struct {
		in   string
		add  bool
		want []int32
	}{
		{"hi hi", true, []int32{1, 9, 10}},
		{"é\n\nhi", false, []int32{4, 5, 11, 9}},
		{"\n", false, []int32{12}},
	} {
		if got := tok.Encode(c.in, c.add, false); !equalIDs(got, c.want) {
			t.Errorf("Encode(%q, %v) = %v, want %v", c.in, c.add, got, c.want)
		}
	}
	if got := tok.Decode([]int32{1, 9, 10, 4, 5}); got != "hi hié" {
		t.Errorf("Decode = %q", got)
	}
	if _, err := FromGGUF(buildGGUF(t, with(entries, kv{"tokenizer.ggml.bos_token_id", nil}))); err == nil {
		t.Error("gemma4 without a BOS id loads")
	}
}

// TestEOG checks the end-of-generation sets llama.cpp derives for the test
// vocabularies: EOS, plus tokens found by text (starcoder's <fim_pad> is
// taken as FIM padding, bert's [PAD] too, and both end generation).
func TestEOG(t *testing.T) {
	for _, c := range []struct {
		name string
		want []int32
	}{
		{"ggml-vocab-llama-spm.gguf", []int32{2}},
		{"ggml-vocab-gpt-2.gguf", []int32{50256}},
		{"ggml-vocab-starcoder.gguf", []int32{0, 4}},
		{"ggml-vocab-bert-bge.gguf", []int32{0}},
		{"ggml-vocab-deepseek-llm.gguf", []int32{100001}},
	} {
		tok := loadTokenizer(t, testdata.Path(t, "vocab", c.name))
		if got := tok.EOGs(); !equalIDs(got, c.want) {
			t.Errorf("%s: EOGs = %v, want %v", c.name, got, c.want)
		}
		for _, id := range c.want {
			if !tok.IsEOG(id) || tok.TokenAttr(id)&AttrControl == 0 {
				t.Errorf("%s: %d: IsEOG %v, attr %b", c.name, id, tok.IsEOG(id), tok.TokenAttr(id))
			}
		}
	}
}

// TestKimiWithoutMerges: llama.cpp loads a kimi-k2 vocabulary without
// merges (and then merges nothing); other pre-tokenizers need them.
func TestKimiWithoutMerges(t *testing.T) {
	entries := with(bpeBase, kv{keyPre, "kimi-k2"}, kv{keyMerges, nil})
	tok, err := FromGGUF(buildGGUF(t, entries))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("ab ab", false, false); !equalIDs(got, []int32{0, 1, 3, 0, 1}) {
		t.Errorf("Encode = %v", got)
	}
}

// TestSmallWhitespace checks tokenizer.ggml.model "whitespace": BPE over
// raw UTF-8 per segment between White_Space, which is dropped, with
// lowercasing only when the metadata asks for it.
func TestSmallWhitespace(t *testing.T) {
	entries := []kv{
		{keyModel, "whitespace"},
		{keyPre, "whitespace"},
		{keyTokens, []string{"a", "b", "ab", "<0x41>", "<unk>"}},
		{keyTypes, []int32{1, 1, 1, 6, 2}},
		{keyMerges, []string{"a b"}},
		{"tokenizer.ggml.bos_token_id", uint32(4)},
		{"tokenizer.ggml.eos_token_id", uint32(4)},
	}
	tok, err := FromGGUF(buildGGUF(t, entries))
	if err != nil {
		t.Fatal(err)
	}
	ids := tok.Encode("Ab\u3000 ab", false, false)
	if !equalIDs(ids, []int32{3, 1, 2}) {
		t.Errorf("Encode = %v", ids)
	}
	if got := tok.Decode(ids); got != "Abab" {
		t.Errorf("Decode = %q", got)
	}
	lower, err := FromGGUF(buildGGUF(t, with(entries, kv{keyLowercase, true})))
	if err != nil {
		t.Fatal(err)
	}
	if got := lower.Encode("Ab\u3000 ab", false, false); !equalIDs(got, []int32{2, 2}) {
		t.Errorf("lowercased Encode = %v", got)
	}
}
