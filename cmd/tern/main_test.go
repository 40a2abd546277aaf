package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
)

func TestParseArgs(t *testing.T) {
	cases := []struct {
		args    []string
		wantPos []string
		wantN   int
		wantV   bool
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, 0, false},
		{[]string{"-n", "3", "a", "b"}, []string{"a", "b"}, 3, false},
		{[]string{"a", "-n", "3", "b", "-v"}, []string{"a", "b"}, 3, true},
		{[]string{"a", "b", "--n=4"}, []string{"a", "b"}, 4, false},
		{[]string{"a", "--", "-n", "5"}, []string{"a", "-n", "5"}, 0, false},
		{[]string{"--", "-v"}, []string{"-v"}, 0, false},
		{nil, nil, 0, false},
	}
	for _, c := range cases {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		n := fs.Int("n", 0, "")
		v := fs.Bool("v", false, "")
		pos, err := parseArgs(fs, c.args)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(pos, c.wantPos) || *n != c.wantN || *v != c.wantV {
			t.Errorf("%q: positional %q, n %d, v %v; want %q, %d, %v", c.args, pos, *n, *v, c.wantPos, c.wantN, c.wantV)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := parseArgs(fs, []string{"a", "--nope"}); err == nil {
		t.Error("unknown flag after an argument: no error")
	}
}

func TestHelp(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		wantOut  string
		wantErr  string
		notInOut string
	}{
		{[]string{"help"}, exitOK, "tern quantize IN OUT TYPE", "", ""},
		{[]string{"--help"}, exitOK, "tern gen SHAPE OUT TYPE", "", ""},
		{[]string{"help", "run"}, exitOK, "-temp", "", ""},
		{[]string{"help", "gen"}, exitOK, "llama3.1-8b", "", ""},
		{[]string{"help", "nope"}, exitUsage, "", "unknown command", ""},
		{[]string{"run", "-h"}, exitOK, "", "-top-p", ""},
		{nil, exitUsage, "", "Usage:", ""},
		{[]string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`, ""},
		{[]string{"run", "--bogus", "m"}, exitUsage, "", "flag provided but not defined: -bogus", ""},
		{[]string{"show"}, exitUsage, "", "0 arguments, want at least 1\nUsage: tern show", ""},
		{[]string{"show", "a", "b"}, exitUsage, "", "want at most 1", ""},
	}
	for _, c := range cases {
		io, out, errb := testIO("")
		code := Main(context.Background(), c.args, io)
		if code != c.code || !strings.Contains(out.String(), c.wantOut) || !strings.Contains(errb.String(), c.wantErr) {
			t.Errorf("%q: exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", c.args, code, c.code, out.String(), c.wantOut, errb.String(), c.wantErr)
		}
	}
}

// TestErrors runs every command on bad input and checks the message names
// the file and the problem, in tern's format, with exit status 1.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.gguf")
	text := filepath.Join(dir, "notes.gguf")
	if err := os.WriteFile(text, []byte("these are not the weights you are looking for\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notok := filepath.Join(dir, "notok.gguf")
	writeGGUF(t, notok, map[string]any{"general.architecture": "llama"})
	gpt2 := filepath.Join(dir, "gpt2.gguf")
	writeGGUF(t, gpt2, map[string]any{"general.architecture": "gpt2", "gpt2.context_length": uint32(1024)})
	vocabBERT := testdata.Path(t, "vocab", "ggml-vocab-bert-bge.gguf")
	vocabSPM := testdata.Path(t, "vocab", "ggml-vocab-llama-spm.gguf")
	stories := testdata.Path(t, "stories260K", "stories260K-f32.gguf")
	out := filepath.Join(dir, "out.gguf")
	cases := []struct {
		name string
		args []string
		code int
		want string // the whole first line of stderr
	}{
		{"run missing", []string{"run", missing, "hi"}, exitError, "tern: run: " + missing + ": no such file or directory"},
		{"run not gguf", []string{"run", text, "hi"}, exitError, "tern: run: " + text + `: gguf: malformed file: bad magic "thes" (want "GGUF")`},
		{"run unsupported", []string{"run", vocabBERT, "hi"}, exitError, "tern: run: " + vocabBERT + `: model: architecture "bert" is not supported`},
		{"run unsupported gpt2", []string{"run", gpt2, "hi"}, exitError, "tern: run: " + gpt2 + `: model: architecture "gpt2" is not supported`},
		{"run vocab only", []string{"run", vocabSPM, "hi"}, exitError, "tern: run: " + vocabSPM + ": no tensors: a vocabulary-only file has nothing to run"},
		{"run bad temp", []string{"run", "--temp", "-1", stories, "hi"}, exitUsage, "tern: run: sample: invalid parameter"},
		{"run long prompt", []string{"run", "--ctx", "4", stories, "Once upon a time there"}, exitError, "tern: run: the prompt is"},
		{"show missing", []string{"show", missing}, exitError, "tern: show: " + missing + ": no such file or directory"},
		{"show not gguf", []string{"show", text}, exitError, "tern: show: " + text + ": gguf: malformed file"},
		{"tokenize missing", []string{"tokenize", missing, "hi"}, exitError, "tern: tokenize: " + missing + ": no such file or directory"},
		{"tokenize no tokenizer", []string{"tokenize", notok, "hi"}, exitError, "tern: tokenize: " + notok + ": tokenizer: tokenizer.ggml.model is missing"},
		{"run no tokenizer", []string{"run", notok, "hi"}, exitError, "tern: run: " + notok + ": no tensors"},
		{"quantize bad type", []string{"quantize", stories, out, "Q9_9"}, exitUsage, `tern: quantize: modelgen: unknown or unsupported type "Q9_9"`},
		{"quantize missing", []string{"quantize", missing, out, "Q8_0"}, exitError, "tern: quantize: " + missing + ": no such file or directory"},
		{"quantize not gguf", []string{"quantize", text, out, "Q8_0"}, exitError, "tern: quantize: " + text + ": gguf: malformed file"},
		{"quantize same file", []string{"quantize", stories, stories, "Q8_0"}, exitUsage, "tern: quantize: " + stories + " is both input and output"},
		{"quantize bad output type", []string{"quantize", "--output-type", "Q4_K_M", stories, out, "Q8_0"}, exitUsage, "tern: quantize: output.weight: modelgen: unknown or unsupported type"},
		{"quantize no dir", []string{"quantize", stories, filepath.Join(missing, "x.gguf"), "Q8_0"}, exitError, "tern: quantize: " + filepath.Join(missing, "x.gguf") + ": "},
		{"gen bad shape", []string{"gen", "gpt-5", out, "Q8_0"}, exitUsage, `tern: gen: modelgen: unknown shape "gpt-5"`},
		{"gen bad type", []string{"gen", "tiny", out, "Q1_0"}, exitUsage, `tern: gen: modelgen: unknown or unsupported type "Q1_0"`},
		{"gen vocab missing", []string{"gen", "--vocab-from", missing, "tiny", out, "Q8_0"}, exitError, "tern: gen: " + missing + ": no such file or directory"},
		{"gen vocab none", []string{"gen", "--vocab-from", notok, "--dry-run", "tiny"}, exitError, "tern: gen: " + notok + ": modelgen: no tokenizer.ggml.tokens"},
	}
	for _, c := range cases {
		io, _, errb := testIO("")
		code := Main(context.Background(), c.args, io)
		first, _, _ := strings.Cut(errb.String(), "\n")
		if code != c.code || !strings.HasPrefix(first, c.want) {
			t.Errorf("%s: exit %d (want %d), stderr %q\nwant it to begin %q", c.name, code, c.code, errb.String(), c.want)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed command left %s behind (%v)", out, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// writeGGUF writes a GGUF file of metadata kv and no tensors.
func writeGGUF(t *testing.T, path string, kv map[string]any) {
	t.Helper()
	w := gguf.NewWriter()
	for k, v := range kv {
		if err := w.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
}

func TestInFile(t *testing.T) {
	path := "dir/m.gguf"
	_, openErr := os.Open("/nonexistent/x")
	cases := []struct {
		err  error
		want string
	}{
		{errors.New("gguf: dir/m.gguf: not a regular file"), "dir/m.gguf: gguf: not a regular file"},
		{errors.New("model: tensor \"x\" is missing"), "dir/m.gguf: model: tensor \"x\" is missing"},
		{openErr, "dir/m.gguf: open /nonexistent/x: no such file or directory"},
		{&os.PathError{Op: "open", Path: path, Err: os.ErrNotExist}, "dir/m.gguf: file does not exist"},
		{&os.PathError{Op: "read", Path: path, Err: os.ErrClosed}, "dir/m.gguf: read: file already closed"},
	}
	for _, c := range cases {
		got := inFile(path, c.err)
		if got.Error() != c.want {
			t.Errorf("inFile(%v) = %q, want %q", c.err, got, c.want)
		}
		if !errors.Is(got, c.err) {
			t.Errorf("inFile(%v) does not wrap it", c.err)
		}
		if again := inFile(path, got); again.Error() != c.want {
			t.Errorf("inFile twice: %q", again)
		}
	}
	if inFile(path, nil) != nil {
		t.Error("inFile(nil) is not nil")
	}
}
