package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

var showCommand = command{
	name:  "show",
	args:  "MODEL",
	short: "architecture, parameters, tokenizer, tensors by type",
	summary: "Print what a GGUF file holds: architecture, parameter count, context length, shape,\n" +
		"tokenizer, and its tensors by type with their sizes.",
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		tensors := fs.Bool("tensors", false, "also list every tensor: name, type, shape, size")
		return func(ctx context.Context, io stdio, args []string) error {
			if err := wantArgs(args, 1, 1); err != nil {
				return err
			}
			return runShow(args[0], *tensors, io.out)
		}
	},
}

func runShow(path string, listTensors bool, out io.Writer) error {
	f, err := openGGUF(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(w, "%s\t%s\n", k, fmt.Sprintf(format, a...)) }

	row("file", "%s", filepath.Base(path))
	row("file size", "%s (%d bytes), GGUF v%d", bytesHuman(f.Size()), f.Size(), f.Version)
	arch, _ := f.String("general.architecture")
	switch {
	case arch == "":
		row("architecture", "none (no general.architecture)")
	case model.Supported(arch):
		row("architecture", "%s", arch)
	default:
		row("architecture", "%s (not one Tern runs)", arch)
	}
	if name, ok := f.String("general.name"); ok {
		row("name", "%s", name)
	}
	var params int64
	for i := range f.Tensors {
		params += int64(f.Tensors[i].Elements())
	}
	row("parameters", "%s (%d)", countHuman(params), params)
	if ft, ok := f.Uint("general.file_type"); ok {
		row("file type", "%s (%d)", fileTypeName(ft), ft)
	}

	if arch != "" {
		a := arch + "."
		num := func(key string) (string, bool) {
			if v, ok := f.Lookup(a + key); ok {
				return fmt.Sprint(v), true
			}
			return "", false
		}
		for _, k := range []struct{ label, key string }{
			{"context length", "context_length"},
			{"embedding", "embedding_length"},
			{"layers", "block_count"},
			{"feed-forward", "feed_forward_length"},
		} {
			if v, ok := num(k.key); ok {
				row(k.label, "%s", v)
			}
		}
		if h, ok := num("attention.head_count"); ok {
			kv, _ := num("attention.head_count_kv")
			s := h + " heads"
			if kv != "" {
				s += ", " + kv + " KV heads"
			}
			if c, err := model.ReadConfig(f); err == nil {
				s += fmt.Sprintf(", head size %d", c.HeadDim)
			}
			row("attention", "%s", s)
		}
		if v, ok := num("vocab_size"); ok {
			row("vocabulary", "%s", v)
		}
		var rope []string
		if v, ok := num("rope.freq_base"); ok {
			rope = append(rope, "base "+v)
		}
		if v, ok := num("rope.dimension_count"); ok {
			rope = append(rope, v+" dims")
		}
		if v, ok := f.String(a + "rope.scaling.type"); ok && v != "none" {
			factor, _ := num("rope.scaling.factor")
			rope = append(rope, "scaling "+v+" ×"+factor)
		}
		if _, ok := f.Tensor("rope_freqs.weight"); ok {
			rope = append(rope, "rope_freqs factors")
		}
		if len(rope) > 0 {
			row("rope", "%s", strings.Join(rope, ", "))
		}
	}

	if tm, ok := f.String("tokenizer.ggml.model"); ok {
		s := tm
		if pre, ok := f.String("tokenizer.ggml.pre"); ok {
			s += ", pre " + pre
		}
		toks, _ := f.Strings("tokenizer.ggml.tokens")
		s += fmt.Sprintf(", %d tokens", len(toks))
		row("tokenizer", "%s", s)
		for _, sp := range []struct{ label, key string }{{"BOS", "bos_token_id"}, {"EOS", "eos_token_id"}} {
			if id, ok := f.Uint("tokenizer.ggml." + sp.key); ok {
				text := "?"
				if id < uint64(len(toks)) {
					text = fmt.Sprintf("%q", toks[id])
				}
				row(sp.label, "%d %s", id, text)
			}
		}
		if tmpl, ok := f.String("tokenizer.chat_template"); ok {
			row("chat template", "%d bytes", len(tmpl))
		}
	} else {
		row("tokenizer", "none")
	}
	if err := w.Flush(); err != nil {
		return err
	}

	// Tensors by type.
	type group struct {
		count          int
		elements, size int64
	}
	groups := map[quant.Type]*group{}
	var total group
	for i := range f.Tensors {
		t := &f.Tensors[i]
		g := groups[t.Type]
		if g == nil {
			g = &group{}
			groups[t.Type] = g
		}
		for _, g := range []*group{g, &total} {
			g.count++
			g.elements += int64(t.Elements())
			g.size += t.Size
		}
	}
	types := make([]quant.Type, 0, len(groups))
	for t := range groups {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "type\ttensors\telements\tsize\t")
	for _, t := range types {
		g := groups[t]
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t\n", t, g.count, g.elements, bytesHuman(g.size))
	}
	fmt.Fprintf(w, "total\t%d\t%d\t%s\t\n", total.count, total.elements, bytesHuman(total.size))
	if err := w.Flush(); err != nil {
		return err
	}

	if listTensors {
		fmt.Fprintln(out)
		w = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "tensor\ttype\tshape\tsize")
		for i := range f.Tensors {
			t := &f.Tensors[i]
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, t.Type, shapeString(t), bytesHuman(t.Size))
		}
		return w.Flush()
	}
	return nil
}

// shapeString prints a shape in GGML order, as llama.cpp's logs do.
func shapeString(t *gguf.Tensor) string {
	s := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		s[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// fileTypeNames are llama.cpp's llama_ftype names (without LLAMA_FTYPE_MOSTLY_).
var fileTypeNames = map[uint64]string{
	0: "all F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
	10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
	16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
	22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
	28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
	37: "TQ2_0", 38: "MXFP4_MOE",
}

func fileTypeName(ft uint64) string {
	if n, ok := fileTypeNames[ft]; ok {
		return n
	}
	return "unknown"
}

// bytesHuman prints a size in binary units, as llama.cpp does.
func bytesHuman(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.2f %ciB", v, "KMGTP"[i])
}

// countHuman prints a count in decimal units: 8.03B, 494.03M.
func countHuman(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.2fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
