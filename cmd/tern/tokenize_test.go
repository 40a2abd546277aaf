package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
)

// TestTokenizeVectors runs `tern tokenize --no-bos --no-parse-special` on
// the first cases of llama.cpp's tokenizer test vectors of one vocabulary
// file of each tokenizer kind and compares the printed list with the
// expected ids. (The tokenizer package checks all the vectors; this checks
// the command's plumbing. Loading a vocabulary takes a while, so few.)
func TestTokenizeVectors(t *testing.T) {
	const sep = "\n__ggml_vocab_test__\n"
	const perFile = 4
	for _, name := range []string{"llama-spm", "gpt-2", "bert-bge"} {
		path := testdata.Path(t, "vocab", "ggml-vocab-"+name+".gguf")
		inp, err := os.ReadFile(path + ".inp")
		if err != nil {
			t.Fatal(err)
		}
		outp, err := os.ReadFile(path + ".out")
		if err != nil {
			t.Fatal(err)
		}
		inputs := strings.Split(string(inp), sep)
		wants := strings.Split(string(outp), "\n")
		for i := 0; i < perFile && i < len(wants) && i < len(inputs); i++ {
			want := "[" + strings.Join(strings.Fields(wants[i]), ", ") + "]\n"
			io, out, errb := testIO("")
			if code := Main(context.Background(), []string{"tokenize", "--no-bos", "--no-parse-special", path, inputs[i]}, io); code != exitOK {
				t.Fatalf("%s %q: exit %d: %s", name, inputs[i], code, errb.String())
			}
			if out.String() != want {
				t.Errorf("%s %q: printed %q, want %q", name, inputs[i], out.String(), want)
			}
		}
	}
}

// TestTokenizeOutput checks the switches and output forms on stories260K,
// whose prompt ids (BOS added) reference.json gives.
func TestTokenizeOutput(t *testing.T) {
	path := testdata.Path(t, "stories260K", "stories260K-f32.gguf")
	cases := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"bos", []string{path, "Once upon a time"}, "", "[1, 403, 407, 261, 378]\n"},
		{"stdin", []string{path}, "Once upon a time", "[1, 403, 407, 261, 378]\n"},
		{"no bos", []string{"--no-bos", path, "Once upon a time"}, "", "[403, 407, 261, 378]\n"},
		{"add-special=false", []string{"--add-special=false", path, "Once upon a time"}, "", "[403, 407, 261, 378]\n"},
		{"empty", []string{path, ""}, "", "[1]\n"},
		{"special parsed", []string{"--no-bos", path, "a</s>"}, "", "[261, 2]\n"},
		{"special as text", []string{"--no-bos", "--no-parse-special", path, "a</s>"}, "", "[261, 504, 492, 419, 505]\n"},
		{"pieces", []string{"--show-pieces", path, "Once upon"}, "", "     1 -> '<s>'\n   403 -> ' Once'\n   407 -> ' upon'\n"},
		{"count", []string{"--show-count", path, "Once upon"}, "", "[1, 403, 407]\nTotal number of tokens: 3\n"},
	}
	for _, c := range cases {
		io, out, errb := testIO(c.stdin)
		if code := Main(context.Background(), append([]string{"tokenize"}, c.args...), io); code != exitOK {
			t.Fatalf("%s: exit %d: %s", c.name, code, errb.String())
		}
		if out.String() != c.want {
			t.Errorf("%s: printed %q, want %q", c.name, out.String(), c.want)
		}
	}
}
