package modelgen_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/modelgen"
	"github.com/tern-llm/tern/quant"
)

// generate writes shape in type typ into memory and parses it.
func generate(t *testing.T, s modelgen.Shape, o modelgen.Options) ([]byte, *gguf.File) {
	t.Helper()
	var buf bytes.Buffer
	n, err := modelgen.Generate(context.Background(), &buf, s, o)
	if err != nil {
		t.Fatalf("%s %s: %v", s.Name, o.Target, err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("Generate returned %d bytes, wrote %d", n, buf.Len())
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		t.Fatalf("%s %s: the file does not parse: %v", s.Name, o.Target, err)
	}
	return buf.Bytes(), f
}

func readFactors(t *testing.T, s modelgen.Shape) []float32 {
	t.Helper()
	// Only the rope settings matter: shrink the rest.
	s.Layers, s.Dim, s.FFN, s.Heads, s.KVHeads, s.Vocab = 1, 256, 256, 2, 1, 300
	_, f := generate(t, s, modelgen.Options{Plan: modelgen.Plan{Target: quant.F32}})
	rt, ok := f.Tensor("rope_freqs.weight")
	if !ok {
		t.Fatal("no rope_freqs.weight")
	}
	return f32s(f.Data(rt))
}

func f32s(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// logitsOf loads the model at path on the CPU and returns its logits after
// the tokens.
func logitsOf(t *testing.T, path string, tokens []int32) []float32 {
	t.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := model.ReadConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m, err := model.Load(f, model.OnDevice(cpu.New(1), c.Layers))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer m.Close()
	seq, err := m.NewSequence(64)
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Free()
	out, err := seq.Append(context.Background(), tokens, 0)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return append([]float32(nil), out...)
}

var prompt = []int32{1, 300, 301, 17, 250, 2, 299}

// TestGenerateRuns writes the tiny shapes in several formats, loads each
// with the model package and checks that a forward pass gives finite logits
// of a plausible spread, close to the F32 model's.
func TestGenerateRuns(t *testing.T) {
	dir := t.TempDir()
	// Tolerances: about twice the differences measured; ternary weights
	// (absmax scaling) lose most of a Gaussian, so for TQ2_0 only finite
	// logits of a similar spread are asked.
	type format struct {
		typ quant.Type
		tol float64 // rms logit difference from F32, relative to the logits' spread
	}
	for _, sc := range []struct {
		shape   string
		formats []format
	}{
		{"tiny", []format{{quant.F32, 0}, {quant.F16, 0.005}, {quant.BF16, 0.02}, {quant.Q8_0, 0.05}, {quant.Q4_0, 0.5}, {quant.Q4_K, 0.5}, {quant.TQ2_0, 3}}},
		// rows of 192: Q4_K falls back to Q5_0, Q6_K to Q8_0.
		{"tiny-qwen2", []format{{quant.F32, 0}, {quant.Q8_0, 0.05}, {quant.Q4_K, 0.3}, {quant.Q6_K, 0.05}}},
	} {
		if raceEnabled {
			sc.formats = sc.formats[:2]
		}
		name := sc.shape
		s, _ := modelgen.Lookup(name)
		var ref []float32
		for _, c := range sc.formats {
			data, _ := generate(t, s, modelgen.Options{Plan: modelgen.Plan{Target: c.typ}, Seed: 7})
			path := filepath.Join(dir, name+"-"+c.typ.String()+".gguf")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			logits := logitsOf(t, path, prompt)
			if len(logits) != s.Vocab {
				t.Fatalf("%s %s: %d logits, want %d", name, c.typ, len(logits), s.Vocab)
			}
			sd := stddev(logits)
			for i, v := range logits {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s %s: logit %d is %v", name, c.typ, i, v)
				}
			}
			if !(sd > 0.01 && sd < 10) {
				t.Errorf("%s %s: logits' standard deviation %g", name, c.typ, sd)
			}
			if c.typ == quant.F32 {
				ref = logits
				continue
			}
			if d := rmsDiff(logits, ref) / stddev(ref); d > c.tol {
				t.Errorf("%s %s: logits differ from F32's by %.3g of their spread (rms), want at most %g", name, c.typ, d, c.tol)
			}
		}
	}
}

// TestGenerateDeterministic: the same seed gives the same bytes whatever
// the number of goroutines; another seed gives other weights.
func TestGenerateDeterministic(t *testing.T) {
	s, _ := modelgen.Lookup("tiny")
	var first []byte
	for _, threads := range []int{1, 3} {
		data, _ := generate(t, s, modelgen.Options{Plan: modelgen.Plan{Target: quant.Q8_0}, Seed: 42, Threads: threads})
		if first == nil {
			first = data
		} else if !bytes.Equal(first, data) {
			t.Errorf("%d threads wrote other bytes than 1 thread", threads)
		}
	}
	other, _ := generate(t, s, modelgen.Options{Plan: modelgen.Plan{Target: quant.Q8_0}, Seed: 43})
	if len(other) != len(first) || bytes.Equal(other, first) {
		t.Errorf("seeds 42 and 43: %d and %d bytes, equal %v", len(first), len(other), bytes.Equal(other, first))
	}
}

// TestGenerateValues checks what the tensors hold: norms are ones, weights
// have mean 0 and standard deviation WeightStd, each tensor's own.
func TestGenerateValues(t *testing.T) {
	s, _ := modelgen.Lookup("tiny-qwen2")
	_, f := generate(t, s, modelgen.Options{Plan: modelgen.Plan{Target: quant.F32}, Seed: 1})
	seen := map[float32]string{}
	for i := range f.Tensors {
		ten := &f.Tensors[i]
		v := f32s(f.Data(ten))
		if len(v) != ten.Elements() {
			t.Fatalf("%s: %d values for %d elements", ten.Name, len(v), ten.Elements())
		}
		switch {
		case filepath.Ext(ten.Name) == ".weight" && len(ten.Shape) == 1:
			for _, x := range v {
				if x != 1 {
					t.Fatalf("%s: value %g, want 1", ten.Name, x)
				}
			}
		default:
			m, sd := mean(v), stddev(v)
			tol := 4 * modelgen.WeightStd / math.Sqrt(float64(len(v)))
			rel := max(0.02, 5/math.Sqrt(2*float64(len(v)))) // the spread of a sample's deviation
			if math.Abs(m) > tol || math.Abs(sd-modelgen.WeightStd) > rel*modelgen.WeightStd {
				t.Errorf("%s: mean %g, standard deviation %g, want 0 and %g", ten.Name, m, sd, modelgen.WeightStd)
			}
			if prev, dup := seen[v[0]]; dup {
				t.Errorf("%s starts with the same value as %s: tensors share a random stream", ten.Name, prev)
			}
			seen[v[0]] = ten.Name
		}
	}
}

// TestGenerateMetadata checks the configuration the model package reads
// back, and the fallback of K-quants on rows of 192.
func TestGenerateMetadata(t *testing.T) {
	s, _ := modelgen.Lookup("tiny-qwen2")
	var fallbacks []string
	o := modelgen.Options{Plan: modelgen.Plan{Target: quant.Q4_K}, Progress: func(p modelgen.Progress) {
		if p.Fallback != "" {
			fallbacks = append(fallbacks, p.Name)
		}
	}}
	_, f := generate(t, s, o)
	c, err := model.ReadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Config{Arch: "qwen2", Dim: 192, Layers: 2, Heads: 6, KVHeads: 2, HeadDim: 32, FFN: 256, Vocab: 320, ContextLen: 1024}
	if c.Arch != want.Arch || c.Dim != want.Dim || c.Layers != want.Layers || c.Heads != want.Heads || c.KVHeads != want.KVHeads ||
		c.HeadDim != want.HeadDim || c.FFN != want.FFN || c.Vocab != want.Vocab || c.ContextLen != want.ContextLen ||
		c.RoPE.Base != 1e6 || c.NormEps != 1e-6 {
		t.Errorf("config %+v, want %+v with rope base 1e6, eps 1e-6", c, want)
	}
	if ft, _ := f.Uint("general.file_type"); ft != 14 {
		t.Errorf("general.file_type %d, want 14 (MOSTLY_Q4_K_S)", ft)
	}
	for _, ten := range f.Tensors {
		wantType := quant.Q4_K
		switch {
		case len(ten.Shape) == 1:
			wantType = quant.F32
		case ten.Shape[0]%256 != 0:
			wantType = quant.Q5_0
		}
		if ten.Type != wantType {
			t.Errorf("%s %v: %s, want %s", ten.Name, ten.Shape, ten.Type, wantType)
		}
	}
	// Rows of 192: the embedding and q, k, v, output, gate, up of both layers.
	if len(fallbacks) != 1+2*6 {
		t.Errorf("fallbacks reported for %v, want 13 tensors", fallbacks)
	}
}

// TestSizeMatchesGenerate: Size is the length of what Generate writes.
func TestSizeMatchesGenerate(t *testing.T) {
	for _, name := range []string{"tiny", "tiny-qwen2"} {
		s, _ := modelgen.Lookup(name)
		for _, typ := range []quant.Type{quant.F32, quant.Q5_1, quant.TQ1_0} {
			o := modelgen.Options{Plan: modelgen.Plan{Target: typ}}
			data, _ := generate(t, s, o)
			size, err := modelgen.Size(s, o)
			if err != nil {
				t.Fatal(err)
			}
			if size != int64(len(data)) {
				t.Errorf("%s %s: Size %d, Generate wrote %d", name, typ, size, len(data))
			}
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	tiny, _ := modelgen.Lookup("tiny")
	bad := tiny
	bad.Heads = 0
	cases := []struct {
		name string
		s    modelgen.Shape
		o    modelgen.Options
	}{
		{"bad shape", bad, modelgen.Options{Plan: modelgen.Plan{Target: quant.F16}}},
		{"bad target", tiny, modelgen.Options{Plan: modelgen.Plan{Target: quant.Q8_K}}},
		{"bad override", tiny, modelgen.Options{Plan: modelgen.Plan{Target: quant.F16, Override: map[string]quant.Type{"output.weight": quant.IQ2_XXS}}}},
	}
	for _, c := range cases {
		if _, err := modelgen.Generate(context.Background(), &bytes.Buffer{}, c.s, c.o); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := modelgen.Generate(ctx, &bytes.Buffer{}, tiny, modelgen.Options{Plan: modelgen.Plan{Target: quant.F16}}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func mean(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(len(v))
}

func stddev(v []float32) float64 {
	m := mean(v)
	var s float64
	for _, x := range v {
		d := float64(x) - m
		s += d * d
	}
	return math.Sqrt(s / float64(len(v)))
}

// rmsDiff is the root mean square of a-b.
func rmsDiff(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i] - b[i])
		s += d * d
	}
	return math.Sqrt(s / float64(len(a)))
}
