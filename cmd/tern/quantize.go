package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tern-llm/tern/modelgen"
	"github.com/tern-llm/tern/quant"
)

// quantizeOptions is what `tern quantize` was asked.
type quantizeOptions struct {
	in, out    string
	typ        string // target type name
	outputType string // type of output.weight ("": the target's)
	embedType  string // type of token_embd.weight ("": the target's)
	threads    int
	quiet      bool
}

var quantizeCommand = command{
	name:  "quantize",
	args:  "IN OUT TYPE",
	short: "re-quantize a model",
	summary: "Write IN's weights in TYPE to OUT, tensor by tensor, as llama-quantize --pure does:\n" +
		"every weight matrix becomes TYPE; norms, biases and other vectors keep their type; a\n" +
		"matrix whose rows are not a whole number of TYPE's blocks falls back to a type that\n" +
		"fits (and says so). Q4_K_M and Q5_K_M are llama-quantize's mixtures instead: Q6_K for\n" +
		"output.weight and for attn_v and ffn_down in its use_more_bits layers, Q4_K (Q5_K)\n" +
		"elsewhere. TYPE is one of " + typeList() + ".",
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		o := quantizeOptions{}
		fs.StringVar(&o.outputType, "output-type", "", "type of output.weight (llama-quantize's --output-tensor-type)")
		fs.StringVar(&o.embedType, "embed-type", "", "type of token_embd.weight (llama-quantize's --token-embedding-type)")
		fs.IntVar(&o.threads, "threads", 0, "goroutines converting rows (0: one per CPU)")
		fs.BoolVar(&o.quiet, "q", false, "print no progress")
		return func(ctx context.Context, io stdio, args []string) error {
			if err := wantArgs(args, 3, 3); err != nil {
				return err
			}
			o.in, o.out, o.typ = args[0], args[1], args[2]
			return runQuantize(ctx, o, io.err)
		}
	},
}

func runQuantize(ctx context.Context, o quantizeOptions, progress io.Writer) error {
	plan, err := parsePlan(o.typ, o.outputType, o.embedType)
	if err != nil {
		return err
	}
	if same(o.in, o.out) {
		return usageErrorf("%s is both input and output", o.out)
	}
	in, err := openGGUF(o.in)
	if err != nil {
		return err
	}
	defer in.Close()
	for name := range plan.Override {
		if _, ok := in.Tensor(name); !ok {
			delete(plan.Override, name) // a tied model has no output.weight: nothing to override
		}
	}
	qo := modelgen.QuantizeOptions{Plan: plan, Threads: o.threads}
	if !o.quiet {
		qo.Progress = progressPrinter(progress)
	}
	n, err := writeFileAtomic(o.out, func(w io.Writer) (int64, error) {
		n, err := modelgen.Quantize(ctx, w, in, qo)
		if err != nil {
			return n, inFile(o.in, err)
		}
		return n, nil
	})
	if err != nil {
		return err
	}
	if !o.quiet {
		fmt.Fprintf(progress, "wrote %s: %s (from %s)\n", o.out, bytesHuman(n), bytesHuman(in.Size()))
	}
	return nil
}

// parsePlan reads a target type and the optional types of the output and
// embedding tensors.
func parsePlan(typ, output, embed string) (modelgen.Plan, error) {
	p, err := modelgen.ParsePlan(typ)
	if err != nil {
		return modelgen.Plan{}, &usageError{err}
	}
	p.Override = map[string]quant.Type{}
	for _, o := range []struct{ name, tensor string }{{output, "output.weight"}, {embed, "token_embd.weight"}} {
		if o.name == "" {
			continue
		}
		ot, err := modelgen.ParseType(o.name)
		if err != nil {
			return p, usageErrorf("%s: %w", o.tensor, err)
		}
		p.Override[o.tensor] = ot
	}
	return p, nil
}

func typeList() string {
	names := make([]string, len(modelgen.Targets))
	for i, t := range modelgen.Targets {
		names[i] = t.String()
	}
	return strings.Join(append(names, modelgen.Mixes...), ", ")
}

// progressPrinter prints one line per tensor, llama-quantize style.
func progressPrinter(w io.Writer) func(modelgen.Progress) {
	return func(p modelgen.Progress) {
		width := len(fmt.Sprint(p.Count))
		conv := p.To.String()
		if p.From != p.To {
			conv = p.From.String() + " → " + p.To.String()
		}
		fmt.Fprintf(w, "[%*d/%d] %-32s %-18s %-14s %s\n", width, p.Index+1, p.Count, p.Name, shapeOf(p.Shape), conv, bytesHuman(p.Bytes))
		if p.Fallback != "" {
			fmt.Fprintf(w, "        %s: %s\n", p.Name, p.Fallback)
		}
	}
}

func shapeOf(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// same reports whether two paths name one file.
func same(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(ia, ib)
	}
	return filepath.Clean(a) == filepath.Clean(b)
}

// outputMode is the permission of the files tern writes: readable by all,
// as os.Create makes them under the usual umask 022 (os.CreateTemp, which
// writes them first, makes them private).
const outputMode = 0o644

// writeFileAtomic writes path through write: into a temporary file beside
// it, renamed over path only when everything was written, so that a failed
// or interrupted write leaves no half file behind. An error in writing the
// file is reported as path's; write's other errors as they are.
func writeFileAtomic(path string, write func(io.Writer) (int64, error)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, inFile(path, err)
	}
	ew := &errWriter{w: tmp}
	n, err := write(ew)
	if err != nil && ew.err != nil {
		err = inFile(path, ew.err)
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = inFile(path, cerr)
	}
	if err == nil {
		// CreateTemp makes the file private; a model is an ordinary file.
		if err = os.Chmod(tmp.Name(), outputMode); err != nil {
			err = inFile(path, err)
		}
	}
	if err == nil {
		if err = os.Rename(tmp.Name(), path); err != nil {
			err = inFile(path, err)
		}
	}
	if err != nil {
		os.Remove(tmp.Name())
		return n, err
	}
	return n, nil
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}
