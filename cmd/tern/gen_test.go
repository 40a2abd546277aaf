package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
)

// TestGenDryRun checks the parameter counts and sizes `tern gen --dry-run`
// prints against published numbers: Llama-3.1-8B has 8,030,261,248
// parameters (plus 64 rope factors as a tensor), the synthetic "8B" of the
// peer numbers 7.24B; its F16 file holds 13.49 GiB of tensors.
func TestGenDryRun(t *testing.T) {
	cases := []struct {
		args []string
		want []string // regular expressions, each matching a line
	}{
		{[]string{"llama3.1-8b"}, []string{
			`^parameters: 8\.03B \(8030261312\); dim 4096, 32 layers, 32 heads, 8 KV heads, ffn 14336, vocab 128256, context 131072$`,
			`^ +F16 +14\.96 GiB +\d+ +-$`,
			`^ +Q4_0 +4\.21 GiB +\d+ +-$`,
			`^ +IQ4_NL +4\.21 GiB +\d+ +-$`,
		}},
		{[]string{"synth-8b", "F16"}, []string{
			`^parameters: 7\.24B \(7241732096\);`,
			`^ +F16 +13\.49 GiB +\d+ +-$`,
		}},
		{[]string{"qwen2.5-0.5b", "out.gguf", "Q4_K"}, []string{
			`^parameters: 494\.03M \(494032768\);`,
			`^ +Q4_K +\S+ MiB +\d+ +145 to Q5_0$`, // rows of 896: the embedding and q, k, v, output, gate, up of 24 layers
		}},
		{[]string{"--vocab-from", testdata.Path(t, "vocab", "ggml-vocab-llama-spm.gguf"), "llama3.2-1b", "Q8_0"}, []string{
			`vocab 32000, context 131072$`,
		}},
	}
	for _, c := range cases {
		io, out, errb := testIO("")
		if code := Main(context.Background(), append([]string{"gen", "--dry-run"}, c.args...), io); code != exitOK {
			t.Fatalf("%q: exit %d: %s", c.args, code, errb.String())
		}
		lines := strings.Split(out.String(), "\n")
		for _, w := range c.want {
			re := regexp.MustCompile(w)
			found := false
			for _, l := range lines {
				found = found || re.MatchString(l)
			}
			if !found {
				t.Errorf("%q: no line matches %s in\n%s", c.args, w, out.String())
			}
		}
	}
}

// TestGenRuns writes tiny models with `tern gen`, one with stories260K's
// vocabulary, and uses them with the other commands.
func TestGenRuns(t *testing.T) {
	dir := t.TempDir()
	stories := testdata.Path(t, "stories260K", "stories260K-f32.gguf")
	synth := filepath.Join(dir, "tiny.gguf")
	withVocab := filepath.Join(dir, "tiny-stories-vocab.gguf")
	cases := []struct {
		args    []string
		wantOut string // regular expression
	}{
		{[]string{"gen", "-q", "tiny", synth, "Q8_0", "--seed", "3"}, `^$`},
		{[]string{"show", synth}, `(?m)^architecture +llama$(.|\n)*^tokenizer +llama, 320 tokens$(.|\n)*^ +Q8_0 +16 `},
		{[]string{"run", "-n", "5", "--seed", "1", synth, "hello"}, `(?s)^.+$`},
		{[]string{"gen", "-q", "--vocab-from", stories, "tiny-qwen2", withVocab, "Q6_K"}, `^$`},
		{[]string{"tokenize", withVocab, "Once upon a time"}, `^\[1, 403, 407, 261, 378\]\n$`},
		{[]string{"show", withVocab}, `(?m)^architecture +qwen2$(.|\n)*^tokenizer +llama, 512 tokens$`},
		{[]string{"run", "-n", "3", "--temp", "0", withVocab, "Once"}, `(?s)^.+$`},
	}
	for _, c := range cases {
		io, out, errb := testIO("")
		if code := Main(context.Background(), c.args, io); code != exitOK {
			t.Fatalf("%q: exit %d: %s", c.args, code, errb.String())
		}
		if !regexp.MustCompile(c.wantOut).MatchString(out.String()) {
			t.Errorf("%q: printed %q, want a match of %s", c.args, out.String(), c.wantOut)
		}
	}
	if fi, err := os.Stat(synth); err != nil || fi.Mode().Perm() != outputMode {
		t.Errorf("%s: mode %v (%v), want %v", synth, fi.Mode().Perm(), err, os.FileMode(outputMode))
	}
}
