package tokenizer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
)

// TestStories260K checks the prompts and greedy continuations that llama.cpp
// recorded for the stories260K model: Encode with BOS gives its prompt ids,
// and the greedy ids decode to its text. That text is a continuation (the
// pieces of the generated tokens, so a leading space stays), so it is
// checked as Decode(prompt + greedy) = Decode(prompt) + text, and as what a
// Decoder that has seen the prompt returns for the greedy ids. The
// reference drops a final newline from its text (one case ends with token
// 13, <0x0A>); that newline is put back before comparing.
func TestStories260K(t *testing.T) {
	dir := filepath.Dir(testdata.Path(t, "stories260K", "reference.json"))
	ref := testdata.Reference(t, "stories260K")
	for file, cases := range ref {
		t.Run(file, func(t *testing.T) {
			tok := loadTokenizer(t, filepath.Join(dir, file))
			if len(cases) == 0 {
				t.Fatal("no cases")
			}
			for _, c := range cases {
				if got := tok.Encode(c.Prompt, true, false); !equalIDs(got, c.PromptIDs) {
					t.Errorf("Encode(%q) = %v, want %v", c.Prompt, got, c.PromptIDs)
				}
				want := c.Text
				if n := len(c.Greedy); n > 0 && string(tok.TokenPiece(c.Greedy[n-1])) == "\n" && !strings.HasSuffix(want, "\n") {
					want += "\n"
				}
				all := append(append([]int32{}, c.PromptIDs...), c.Greedy...)
				if got, prompt := tok.Decode(all), tok.Decode(c.PromptIDs); got != prompt+want {
					t.Errorf("Decode(prompt+greedy) = %q, want %q", got, prompt+want)
				}
				d := tok.NewDecoder()
				var b strings.Builder
				for _, id := range c.PromptIDs {
					b.WriteString(d.Add(id))
				}
				b.Reset()
				for _, id := range c.Greedy {
					b.WriteString(d.Add(id))
				}
				b.WriteString(d.Flush())
				if b.String() != want {
					t.Errorf("Decoder after prompt %q: %q, want %q", c.Prompt, b.String(), want)
				}
			}
		})
	}
}

// TestDetokenizeRemoveSpecial checks llama_detokenize's remove_special: a
// leading BOS goes, and with it the first token keeps its space.
func TestDetokenizeRemoveSpecial(t *testing.T) {
	tok := loadTokenizer(t, testdata.Path(t, "vocab", "ggml-vocab-llama-spm.gguf"))
	ids := []int32{1, 15043, 3186, 2}
	for _, c := range []struct {
		remove, unparse bool
		want            string
	}{
		{false, false, " Hello world"},
		{true, false, " Hello world"},
		{false, true, "<s> Hello world</s>"},
		{true, true, " Hello world</s>"},
	} {
		if got := tok.Detokenize(ids, c.remove, c.unparse); got != c.want {
			t.Errorf("Detokenize(%v, %v, %v) = %q, want %q", ids, c.remove, c.unparse, got, c.want)
		}
	}
	if got := tok.Detokenize(ids[1:3], false, false); got != "Hello world" {
		t.Errorf("without BOS: %q", got)
	}
}
