package modelgen_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/modelgen"
	"github.com/tern-llm/tern/quant"
)

func quantizeFile(t *testing.T, in *gguf.File, o modelgen.QuantizeOptions) *gguf.File {
	t.Helper()
	var buf bytes.Buffer
	n, err := modelgen.Quantize(context.Background(), &buf, in, o)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("Quantize returned %d bytes, wrote %d", n, buf.Len())
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		t.Fatalf("the quantized file does not parse: %v", err)
	}
	return f
}

// TestQuantizeLikeLlamaCpp quantizes stories260K's F32 file and compares
// every tensor, type and bytes, with the files llama-quantize made of it.
// Those used its default mixes, which for this model differ from a pure
// quantization only in output.weight (Q8_0: its rows of 64 cannot hold the
// Q6_K llama.cpp wants there); the override says so. ffn_down's rows of 172
// fit no 32-block, so every file has it in F16.
func TestQuantizeLikeLlamaCpp(t *testing.T) {
	in, err := gguf.Open(testdata.Path(t, "stories260K", "stories260K-f32.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for _, c := range []struct {
		file string
		typ  quant.Type
	}{
		{"stories260K-F16.gguf", quant.F16},
		{"stories260K-Q8_0.gguf", quant.Q8_0},
		{"stories260K-Q4_0.gguf", quant.Q4_0},
		{"stories260K-Q5_0.gguf", quant.Q5_0},
	} {
		ref, err := gguf.Open(testdata.Path(t, "stories260K", c.file))
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
		o := modelgen.QuantizeOptions{Plan: modelgen.Plan{Target: c.typ}}
		if c.typ != quant.F16 {
			o.Override = map[string]quant.Type{"output.weight": quant.Q8_0}
		}
		var fallbacks int
		o.Progress = func(p modelgen.Progress) {
			if p.Fallback != "" {
				fallbacks++
			}
		}
		got := quantizeFile(t, in, o)
		if len(got.Tensors) != len(ref.Tensors) {
			t.Fatalf("%s: %d tensors, want %d", c.file, len(got.Tensors), len(ref.Tensors))
		}
		for i := range ref.Tensors {
			rt := &ref.Tensors[i]
			gt, ok := got.Tensor(rt.Name)
			if !ok {
				t.Fatalf("%s: no tensor %q", c.file, rt.Name)
			}
			if gt.Type != rt.Type {
				t.Errorf("%s: %s is %s, llama.cpp made %s", c.file, rt.Name, gt.Type, rt.Type)
				continue
			}
			if !bytes.Equal(got.Data(gt), ref.Data(rt)) {
				t.Errorf("%s: %s (%s) differs from llama.cpp's bytes", c.file, rt.Name, rt.Type)
			}
		}
		refFT, _ := ref.Uint("general.file_type")
		gotFT, _ := got.Uint("general.file_type")
		if refFT != gotFT {
			t.Errorf("%s: general.file_type %d, want %d", c.file, gotFT, refFT)
		}
		if c.typ != quant.F16 && fallbacks != 5 {
			t.Errorf("%s: %d fallbacks reported, want 5 (ffn_down of each layer)", c.file, fallbacks)
		}
		for _, key := range []string{"tokenizer.ggml.model", "llama.block_count", "llama.context_length"} {
			a, _ := in.Lookup(key)
			b, _ := got.Lookup(key)
			if a != b {
				t.Errorf("%s: metadata %s = %v, want %v", c.file, key, b, a)
			}
		}
	}
}

// TestQuantizeMatchesGenerate: quantizing a generated F32 model gives what
// generating the target type directly gives, byte for byte (the same rows
// go through the same quantizer; file_type is set alike), and its logits are
// close to the F32 model's.
func TestQuantizeMatchesGenerate(t *testing.T) {
	s, _ := modelgen.Lookup("tiny")
	_, f32 := generate(t, s, modelgen.Options{Plan: modelgen.Plan{Target: quant.F32}, Seed: 5})
	direct, _ := generate(t, s, modelgen.Options{Plan: modelgen.Plan{Target: quant.Q4_0}, Seed: 5})
	var buf bytes.Buffer
	if _, err := modelgen.Quantize(context.Background(), &buf, f32, modelgen.QuantizeOptions{Plan: modelgen.Plan{Target: quant.Q4_0}, Threads: 3}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), direct) {
		t.Errorf("quantized F32 model (%d bytes) differs from the generated Q4_0 model (%d bytes)", buf.Len(), len(direct))
	}
}

// TestRequantize converts an already quantized file (synth-tiny Q8_0) to
// Q4_0 and checks the tensors against quantizing the dequantized values.
func TestRequantize(t *testing.T) {
	in, err := gguf.Open(testdata.Path(t, "synth-tiny", "synth-tiny-Q8_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	got := quantizeFile(t, in, modelgen.QuantizeOptions{Plan: modelgen.Plan{Target: quant.Q4_0}})
	for i := range in.Tensors {
		it := &in.Tensors[i]
		gt, _ := got.Tensor(it.Name)
		if len(it.Shape) == 1 {
			if gt.Type != it.Type || !bytes.Equal(got.Data(gt), in.Data(it)) {
				t.Errorf("%s: vector changed (%s → %s)", it.Name, it.Type, gt.Type)
			}
			continue
		}
		vals := make([]float32, it.Elements())
		if err := quant.Dequantize(it.Type, vals, in.Data(it)); err != nil {
			t.Fatal(err)
		}
		want := make([]byte, gt.Size)
		if err := quant.Quantize(quant.Q4_0, want, vals); err != nil {
			t.Fatal(err)
		}
		if gt.Type != quant.Q4_0 || !bytes.Equal(got.Data(gt), want) {
			t.Errorf("%s: %s, bytes differ from Q4_0 of the Q8_0 values", it.Name, gt.Type)
		}
	}
}

func TestQuantizeErrors(t *testing.T) {
	in, err := gguf.Open(testdata.Path(t, "stories260K", "stories260K-f32.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for _, o := range []modelgen.QuantizeOptions{
		{Plan: modelgen.Plan{Target: quant.Q8_K}},
		{Plan: modelgen.Plan{Target: quant.Q4_0, Override: map[string]quant.Type{"nope.weight": quant.Q8_0}}},
		{Plan: modelgen.Plan{Target: quant.Q4_0, Override: map[string]quant.Type{"output.weight": quant.IQ2_XS}}},
	} {
		if _, err := modelgen.Quantize(context.Background(), &bytes.Buffer{}, in, o); err == nil {
			t.Errorf("%+v: no error", o.Plan)
		}
	}
	// A failing output names the tensor being written.
	path := filepath.Join(t.TempDir(), "out.gguf")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	out.Close() // writes fail
	if _, err := modelgen.Quantize(context.Background(), out, in, modelgen.QuantizeOptions{Plan: modelgen.Plan{Target: quant.Q8_0}}); err == nil {
		t.Error("closed output: no error")
	}
}
