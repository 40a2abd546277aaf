package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tern-llm/tern/modelgen"
)

// genOptions is what `tern gen` was asked.
type genOptions struct {
	shape, out, typ string
	seed            uint64
	vocabFrom       string
	outputType      string
	embedType       string
	threads         int
	dryRun          bool
	quiet           bool
}

var genCommand = command{
	name:  "gen",
	args:  "SHAPE OUT TYPE",
	short: "write a random-weight model of a real model's shape",
	summary: "Write a llama-family model of a real model's SHAPE with random N(0, 0.02²) weights in\n" +
		"TYPE to OUT, for benchmarks and tests that need no download. The weights follow from\n" +
		"--seed; matrices are quantized as they are made, so any size is written in little\n" +
		"memory. The tokenizer is a synthetic SentencePiece vocabulary of the shape's size, or\n" +
		"the one of --vocab-from. --dry-run SHAPE [TYPE] prints the sizes without writing.\n" +
		"Shapes: " + shapeList() + ".",
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		o := genOptions{}
		fs.Func("seed", "random seed of the weights (default 0)", func(s string) error {
			v, err := strconv.ParseUint(s, 0, 64)
			o.seed = v
			return err
		})
		fs.StringVar(&o.vocabFrom, "vocab-from", "", "copy the tokenizer (and vocabulary size) from this GGUF file")
		fs.StringVar(&o.outputType, "output-type", "", "type of output.weight (default: TYPE)")
		fs.StringVar(&o.embedType, "embed-type", "", "type of token_embd.weight (default: TYPE)")
		fs.IntVar(&o.threads, "threads", 0, "goroutines making rows (0: one per CPU)")
		fs.BoolVar(&o.dryRun, "dry-run", false, "print the parameter count and file size instead of writing")
		fs.BoolVar(&o.quiet, "q", false, "print no progress")
		return func(ctx context.Context, io stdio, args []string) error {
			if o.dryRun {
				// SHAPE [TYPE], or the full SHAPE OUT TYPE of a real run.
				if err := wantArgs(args, 1, 3); err != nil {
					return err
				}
				o.shape = args[0]
				if len(args) > 1 {
					o.typ = args[len(args)-1]
				}
				return runGenDry(o, io.out)
			}
			if err := wantArgs(args, 3, 3); err != nil {
				return err
			}
			o.shape, o.out, o.typ = args[0], args[1], args[2]
			return runGen(ctx, o, io.err)
		}
	},
}

// genSetup resolves the shape, plan and vocabulary of o.
func genSetup(o genOptions, typ string) (modelgen.Shape, modelgen.Options, error) {
	s, err := modelgen.Lookup(o.shape)
	if err != nil {
		return s, modelgen.Options{}, &usageError{err}
	}
	plan, err := parsePlan(typ, o.outputType, o.embedType)
	if err != nil {
		return s, modelgen.Options{}, err
	}
	if s.Tied {
		delete(plan.Override, "output.weight") // there is none: the embedding serves
	}
	mo := modelgen.Options{Plan: plan, Seed: o.seed, Threads: o.threads}
	if o.vocabFrom != "" {
		f, err := openGGUF(o.vocabFrom)
		if err != nil {
			return s, mo, err
		}
		defer f.Close() // VocabFrom copies the metadata out
		v, err := modelgen.VocabFrom(f)
		if err != nil {
			return s, mo, inFile(o.vocabFrom, err)
		}
		mo.Vocab = &v
	}
	return s, mo, nil
}

func runGen(ctx context.Context, o genOptions, progress io.Writer) error {
	s, mo, err := genSetup(o, o.typ)
	if err != nil {
		return err
	}
	if !o.quiet {
		mo.Progress = progressPrinter(progress)
	}
	n, err := writeFileAtomic(o.out, func(w io.Writer) (int64, error) {
		return modelgen.Generate(ctx, w, s, mo)
	})
	if err != nil {
		return err
	}
	if !o.quiet {
		fmt.Fprintf(progress, "wrote %s: %s %s, %s\n", o.out, s.Name, strings.ToUpper(o.typ), bytesHuman(n))
	}
	return nil
}

// runGenDry prints the shape's parameter count and the size of its file in
// the type asked, or in every type.
func runGenDry(o genOptions, out io.Writer) error {
	var plans []modelgen.Plan
	for _, t := range modelgen.Targets {
		plans = append(plans, modelgen.Plan{Target: t})
	}
	if o.typ != "" {
		p, err := modelgen.ParsePlan(o.typ)
		if err != nil {
			return &usageError{err}
		}
		plans = []modelgen.Plan{p}
	}
	s, mo, err := genSetup(o, plans[0].Target.String())
	if err != nil {
		return err
	}
	if mo.Vocab != nil {
		s.Vocab = mo.Vocab.Tokens
	} else {
		// Made once here rather than by each Size and Layout below.
		v, err := modelgen.SyntheticVocab(s.Vocab)
		if err != nil {
			return err
		}
		mo.Vocab = &v
	}
	params := s.Params()
	fmt.Fprintf(out, "%s: %s\n", s.Name, s.About)
	fmt.Fprintf(out, "parameters: %s (%d); dim %d, %d layers, %d heads, %d KV heads, ffn %d, vocab %d, context %d\n",
		countHuman(params), params, s.Dim, s.Layers, s.Heads, s.KVHeads, s.FFN, s.Vocab, s.ContextLen)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "type\tfile size\tbytes\tfallbacks\t")
	for _, p := range plans {
		mo.Target, mo.Mix = p.Target, p.Mix
		size, err := modelgen.Size(s, mo)
		if err != nil {
			return err
		}
		infos, err := modelgen.Layout(s, mo)
		if err != nil {
			return err
		}
		fallbacks := map[string]int{}
		for _, ti := range infos {
			if ti.Fallback != "" {
				fallbacks[ti.Type.String()]++
			}
		}
		var fb []string
		for typ, n := range fallbacks {
			fb = append(fb, fmt.Sprintf("%d to %s", n, typ))
		}
		sort.Strings(fb)
		note := strings.Join(fb, ", ")
		if note == "" {
			note = "-"
		}
		name := o.typ
		if name == "" {
			name = p.Target.String()
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t\n", strings.ToUpper(name), bytesHuman(size), size, note)
	}
	return w.Flush()
}

func shapeList() string {
	var names []string
	for _, s := range modelgen.Shapes() {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}
