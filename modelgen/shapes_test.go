package modelgen_test

import (
	"math"
	"strings"
	"testing"

	"github.com/tern-llm/tern/modelgen"
	"github.com/tern-llm/tern/quant"
)

// TestParams checks each real shape's parameter count against the count
// its publisher gives (the safetensors total on Hugging Face), and the
// synthetic ones against the peer-numbers page. rope_freqs is not a
// checkpoint parameter, so it is left out of the comparison.
func TestParams(t *testing.T) {
	cases := []struct {
		shape string
		want  int64
	}{
		{"llama3.2-1b", 1_235_814_400},
		{"llama3.1-8b", 8_030_261_248},
		{"qwen2.5-0.5b", 494_032_768},
		{"qwen2.5-1.5b", 1_543_714_304},
	}
	for _, c := range cases {
		s, err := modelgen.Lookup(c.shape)
		if err != nil {
			t.Fatal(err)
		}
		got := s.Params()
		for _, ts := range s.Tensors() {
			if ts.Kind == modelgen.RopeFreqs {
				got -= ts.Elements()
			}
		}
		if got != c.want {
			t.Errorf("%s: %d parameters, want %d", c.shape, got, c.want)
		}
	}
	// The peer-numbers page rounds: "1.1B", "7.24 B parameters".
	approx := []struct {
		shape string
		want  float64 // billions
		tol   float64
	}{
		{"synth-1.1b", 1.1, 0.05},
		{"synth-8b", 7.24, 0.005},
	}
	for _, c := range approx {
		s, _ := modelgen.Lookup(c.shape)
		if got := float64(s.Params()) / 1e9; math.Abs(got-c.want) > c.tol {
			t.Errorf("%s: %.3fB parameters, want %.2fB", c.shape, got, c.want)
		}
	}
}

// TestSizes checks the tensor bytes of the synthetic shapes against the
// model sizes llama-bench printed for the files behind the peer numbers.
// Those Q4_0 files came from llama-quantize's default mix, which makes
// output.weight Q6_K; the override reproduces that.
func TestSizes(t *testing.T) {
	const gib, mib = 1 << 30, 1 << 20
	cases := []struct {
		shape  string
		typ    quant.Type
		output quant.Type
		want   float64 // in unit
		unit   float64
		tol    float64
	}{
		{"synth-1.1b", quant.F16, quant.F16, 2.06, gib, 0.005},
		{"synth-1.1b", quant.Q8_0, quant.Q8_0, 1.09, gib, 0.005},
		{"synth-1.1b", quant.Q4_0, quant.Q6_K, 609, mib, 0.5},
		{"synth-8b", quant.F16, quant.F16, 13.49, gib, 0.005},
		{"synth-8b", quant.Q4_0, quant.Q6_K, 3.83, gib, 0.005},
	}
	for _, c := range cases {
		s, _ := modelgen.Lookup(c.shape)
		o := modelgen.Options{Plan: modelgen.Plan{Target: c.typ, Override: map[string]quant.Type{"output.weight": c.output}}}
		size, err := modelgen.Size(s, o)
		if err != nil {
			t.Fatal(err)
		}
		infos, err := modelgen.Layout(s, o)
		if err != nil {
			t.Fatal(err)
		}
		var tensorBytes int64
		for _, ti := range infos {
			tensorBytes += ti.Bytes
		}
		if got := float64(tensorBytes) / c.unit; math.Abs(got-c.want) > c.tol {
			t.Errorf("%s %s: tensors %.3f, want %.2f", c.shape, c.typ, got, c.want)
		}
		if size <= tensorBytes || size > tensorBytes+8*mib {
			t.Errorf("%s %s: file of %d bytes for %d bytes of tensors", c.shape, c.typ, size, tensorBytes)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, s := range modelgen.Shapes() {
		got, err := modelgen.Lookup(strings.ToUpper(s.Name))
		if err != nil || got.Name != s.Name {
			t.Errorf("Lookup(%q) = %q, %v", s.Name, got.Name, err)
		}
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
	}
	if _, err := modelgen.Lookup("llama-9000"); err == nil || !strings.Contains(err.Error(), "llama3.1-8b") {
		t.Errorf("unknown shape: error %v should list the known shapes", err)
	}
}

func TestValidate(t *testing.T) {
	good, _ := modelgen.Lookup("tiny")
	cases := []struct {
		name   string
		change func(*modelgen.Shape)
		want   string
	}{
		{"arch", func(s *modelgen.Shape) { s.Arch = "gpt2" }, "architecture"},
		{"layers", func(s *modelgen.Shape) { s.Layers = 0 }, "positive"},
		{"gqa", func(s *modelgen.Shape) { s.KVHeads = 3 }, "cannot share"},
		{"head", func(s *modelgen.Shape) { s.HeadDim = 7 }, "even"},
		{"vocab", func(s *modelgen.Shape) { s.Vocab = 100 }, "at least 259"},
		{"eps", func(s *modelgen.Shape) { s.NormEps = 0 }, "epsilon"},
	}
	for _, c := range cases {
		s := good
		c.change(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestLlama3RopeFactors checks rope_freqs.weight of Llama-3.1-8B against
// values computed with the formula of llama.cpp's convert_hf_to_gguf.py
// (LlamaModel, rope_type "llama3") in Python, float64: pairs 0..28 keep
// their frequency, pairs 35..63 are divided by 8, the ones between are
// interpolated. (The converter computes in float32; 1e-5 covers that.)
func TestLlama3RopeFactors(t *testing.T) {
	s, _ := modelgen.Lookup("llama3.1-8b")
	f := readFactors(t, s)
	if len(f) != 64 {
		t.Fatalf("%d factors, want 64", len(f))
	}
	between := map[int]float64{
		29: 1.2074838876724243, 30: 1.5534145832061768, 31: 2.026313304901123,
		32: 2.6945297718048096, 33: 3.6842525005340576, 34: 5.257326602935791,
	}
	for i, got := range f {
		want, ok := between[i]
		switch {
		case ok:
		case i < 29:
			want = 1
		default:
			want = 8
		}
		if math.Abs(float64(got)-want) > 1e-5 {
			t.Errorf("factor %d = %g, want %g", i, got, want)
		}
	}
}
