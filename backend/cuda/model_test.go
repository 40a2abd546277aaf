package cuda

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
)

// TestStories260K runs stories260K on the GPU and on the CPU backend after
// every prompt of the reference file and compares them step by step: both
// are fed the CPU's greedy tokens, the GPU's logits must stay within tol of
// the CPU's at every step, and the GPU's greedy pick must be the CPU's.
//
// The two backends sum in different orders, and activations are rounded to
// F16 or quantized to 8 bits before each product with F16 or quantized
// weights; where a value lies within rounding of a step boundary the two
// round it apart, which moves the logits by far more than the summation
// order does (tol). A pick may then differ only where the CPU's two
// candidates are that close (a near tie); the test logs those. Every
// prompt must still give the CPU's greedy tokens at every step: the Q4_0
// products that round one step apart were made the CPU's bits
// (q4Lanes); the other kernels' sums have not been seen to.
func TestStories260K(t *testing.T) {
	dev := gpu(t)
	ref := testdata.Reference(t, "stories260K")
	for _, tc := range []struct {
		file   string
		tokens int
		tol    float64 // largest logit difference allowed at any step
	}{
		{"stories260K-f32.gguf", 64, 1e-4},
		{"stories260K-F16.gguf", 64, 0.05},
		{"stories260K-Q8_0.gguf", 16, 0.3},
		{"stories260K-Q4_0.gguf", 16, 0.3},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := gguf.Open(testdata.Path(t, "stories260K", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := model.ReadConfig(f)
			if err != nil {
				t.Fatal(err)
			}
			var ms [2]*model.Model // CPU, GPU
			for i, d := range []backend.Device{cpu.New(2), dev} {
				if ms[i], err = model.Load(f, model.OnDevice(d, c.Layers)); err != nil {
					t.Fatal(err)
				}
				defer ms[i].Close()
			}
			cases := ref[tc.file]
			if len(cases) == 0 {
				t.Fatalf("no prompts for %s", tc.file)
			}
			same := 0
			for _, rc := range cases {
				var seqs [2]*model.Sequence
				for i, m := range ms {
					if seqs[i], err = m.NewSequence(len(rc.PromptIDs) + tc.tokens); err != nil {
						t.Fatal(err)
					}
					defer seqs[i].Free()
				}
				input := rc.PromptIDs
				var worst float64
				var ties []string
				for step := range tc.tokens {
					var logits [2][]float32
					for i, s := range seqs {
						if logits[i], err = s.Append(context.Background(), input, 0); err != nil {
							t.Fatal(err)
						}
					}
					d := maxDiff(logits[1], logits[0])
					worst = max(worst, d)
					want, got := argmax(logits[0]), argmax(logits[1])
					if d > tc.tol {
						t.Errorf("%q step %d: GPU logits differ from the CPU's by %.3g (tolerance %g)", rc.Prompt, step, d, tc.tol)
					}
					if got != want {
						margin := float64(logits[0][want] - logits[0][got])
						ties = append(ties, fmt.Sprintf("step %d: GPU %d, CPU %d, CPU margin %.3g", step, got, want, margin))
						if margin > 2*d {
							t.Errorf("%q step %d: GPU picks %d, CPU %d by a margin of %.3g, more than twice the logits' difference %.3g", rc.Prompt, step, got, want, margin, d)
						}
					}
					input = []int32{want}
				}
				if len(ties) == 0 {
					same++
				}
				t.Logf("%q: %d greedy tokens, largest logit difference %.3g, near ties %v", rc.Prompt, tc.tokens, worst, ties)
			}
			if same != len(cases) {
				t.Errorf("%s: %d of %d prompts give the CPU's greedy tokens at every step", tc.file, same, len(cases))
			}
		})
	}
}

func argmax(x []float32) int32 {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return int32(best)
}

func maxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestSynthTiny compares the GPU's logits with the CPU backend's after each
// prompt of the synth-tiny reference, for the formats with CUDA kernels
// (every matrix of a file, the embedding included, is of one type).
func TestSynthTiny(t *testing.T) {
	dev := gpu(t)
	ref := testdata.Reference(t, "synth-tiny")
	for _, tc := range []struct {
		file string
		tol  float64
	}{
		{"synth-tiny-f16.gguf", 0.02},
		{"synth-tiny-BF16.gguf", 0.02},
		{"synth-tiny-Q8_0.gguf", 0.05},
		{"synth-tiny-Q4_0.gguf", 0.05},
		{"synth-tiny-Q4_K_S.gguf", 0.05},
		{"synth-tiny-Q6_K.gguf", 0.05},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := gguf.Open(testdata.Path(t, "synth-tiny", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := model.ReadConfig(f)
			if err != nil {
				t.Fatal(err)
			}
			var ms [2]*model.Model // CPU, GPU
			for i, d := range []backend.Device{cpu.New(2), dev} {
				if ms[i], err = model.Load(f, model.OnDevice(d, c.Layers)); err != nil {
					t.Fatal(err)
				}
				defer ms[i].Close()
			}
			cases := ref[tc.file]
			if len(cases) == 0 {
				t.Fatalf("no prompts for %s", tc.file)
			}
			for _, rc := range cases {
				var logits [2][]float32
				for i, m := range ms {
					s, err := m.NewSequence(len(rc.PromptIDs))
					if err != nil {
						t.Fatal(err)
					}
					out, err := s.Append(context.Background(), rc.PromptIDs, 0)
					if err != nil {
						t.Fatal(err)
					}
					logits[i] = append([]float32(nil), out...)
					s.Free()
				}
				d := maxDiff(logits[1], logits[0])
				t.Logf("%q: logits differ from the CPU's by at most %.3g", rc.Prompt, d)
				if d > tc.tol {
					t.Errorf("%q: GPU logits differ from the CPU's by %.3g (tolerance %g)", rc.Prompt, d, tc.tol)
				}
			}
		})
	}
}

// unfused is the GPU without the fused ops (backend.AddNormer,
// backend.RoPEStorer): the model takes the plain ops, with steps recorded
// and products shared as on the bare device.
type unfused struct {
	backend.Device
	backend.Stepper
	backend.SharedMatMuler
}

// TestFusedDecode decodes with the fused ops and without them, fed the
// same tokens, with recorded steps, and requires the same logits bit for
// bit: the fused kernels compute what the plain ones do.
func TestFusedDecode(t *testing.T) {
	dev := gpu(t)
	for _, file := range [][2]string{{"stories260K", "stories260K-F16.gguf"}, {"stories260K", "stories260K-Q8_0.gguf"}, {"synth-tiny", "synth-tiny-Q8_0.gguf"}, {"synth-tiny", "synth-tiny-Q4_K_S.gguf"}} {
		t.Run(file[1], func(t *testing.T) {
			f, err := gguf.Open(testdata.Path(t, file[0], file[1]))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := model.ReadConfig(f)
			if err != nil {
				t.Fatal(err)
			}
			const steps = 24
			prompt := []int32{1, 403, 407, 261, 378}
			var tokens []int32
			var runs [2][][]float32
			for i, d := range []backend.Device{dev, unfused{dev, dev, dev}} {
				if _, ok := d.(backend.AddNormer); ok != (i == 0) {
					t.Fatalf("device %d: AddNormer %v", i, ok)
				}
				m, err := model.Load(f, model.OnDevice(d, c.Layers))
				if err != nil {
					t.Fatal(err)
				}
				s, err := m.NewSequence(len(prompt) + steps)
				if err != nil {
					t.Fatal(err)
				}
				input := prompt
				for step := range steps {
					logits, err := s.Append(context.Background(), input, 0)
					if err != nil {
						t.Fatal(err)
					}
					runs[i] = append(runs[i], append([]float32(nil), logits...))
					if i == 0 {
						tokens = append(tokens, argmax(logits))
					}
					input = []int32{tokens[step]}
				}
				s.Free()
				m.Close()
			}
			for step := range steps {
				if d := maxDiff(runs[0][step], runs[1][step]); d > 0 {
					t.Errorf("step %d: fused logits differ from the plain ops' by %.3g", step, d)
				}
			}
		})
	}
}

// loadOn loads the model at path onto dev, every layer there; the file and
// the model are closed when the test ends.
func loadOn(tb testing.TB, dev *Device, path string) *model.Model {
	tb.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	c, err := model.ReadConfig(f)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := model.Load(f, model.OnDevice(dev, c.Layers))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.Close)
	return m
}
