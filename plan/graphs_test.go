package plan

import (
	"math"
	"strings"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/device"
	"github.com/tern-llm/tern/quant"
)

// gpuDecode is gpuSpeeds with measured decode layers: class "a" (2048
// wide) in Q4_0 and F16, and a 4096-wide class "b" whose absurd figures
// show if it is ever used for a 2048-wide model.
func gpuDecode(free uint64) Device {
	d := gpu(free)
	d.Speeds.Decode = []calibrate.LayerCost{
		// 12 MB at 600 GB/s is 20 µs: 20 µs more over 7 matrices with graphs, 50 µs op by op.
		// A 512-token prefill: 0.1 ns an element of Q4_0, 0.05 of F16; the step 300 and 500 µs.
		{Class: "a", Dim: 2048, Format: "Q4_0", Bytes: 12e6, Matrices: 7, Graph: 40e-6, Eager: 70e-6, Attn: 10e-9, StepGraph: 50e-6, StepEager: 80e-6,
			Params: 20e6, Prefill: 2e-3, PrefillStep: 300e-6},
		// 42 MB at 700 GB/s is 60 µs: 70 µs more with graphs, 100 µs op by op.
		{Class: "a", Dim: 2048, Format: "F16", Bytes: 42e6, Matrices: 7, Graph: 130e-6, Eager: 160e-6, Attn: 10e-9, StepGraph: 60e-6, StepEager: 90e-6,
			Params: 20e6, Prefill: 1e-3, PrefillStep: 500e-6},
		{Class: "b", Dim: 4096, Format: "Q4_0", Bytes: 120e6, Matrices: 7, Graph: 1, Eager: 1, Attn: 1, StepGraph: 1, StepEager: 1},
	}
	return d
}

// gpuModel is 4 layers of 60M weights of type t (7 matrices each), 2048
// wide, with a 32000-token output head.
func gpuModel(t quant.Type) *Needs {
	n := synth("g", 4, 60e6, t, 2048, 32000)
	for i := range n.Layers {
		n.Layers[i].Weights[0].Matrices = 7
	}
	n.Output.Weights[0].Matrices = 1
	return n
}

// TestGPUDecodeByHand checks the decode prediction on a device with
// measured layers against the formula worked by hand: each layer's bytes at
// the format's rate, its matrices' share of the measured layer's cost
// beyond its bytes, attention per position; the output head's bytes and one
// matrix's share; the step's median cost; graphs when the whole model is on
// the GPU (the embedding then moves there), op by op when it is split.
func TestGPUDecodeByHand(t *testing.T) {
	const at = 100 // PredictAt
	q4Layer := 60e6 / 32 * 18 / 600e9
	q4Out := 2048 * 32000 / 32 * 18 / 600e9
	cases := []struct {
		name      string
		t         quant.Type
		gpuFree   uint64
		candidate string
		embed     string
		want      float64 // seconds a token
		// seconds a 512-token prefill step (0: not checked): the step's
		// median cost, the layers' elements at their format's cost, the
		// output head's one row, the logits' copy
		prefill float64
	}{
		{"whole model on the GPU, graphs", quant.Q4_0, 20 * gib, "cuda0 all", "cuda0",
			55e-6 + 4*(q4Layer+20e-6+at*10e-9) + q4Out + 20e-6/7,
			400e-6 + 4*60e6*1e-10 + q4Out + 20e-6/7 + 20e-6 + 4*32000/25e9},
		{"a format the class lacks: the mean of its formats' cost per matrix", quant.Q8_0, 20 * gib, "cuda0 all", "cuda0",
			55e-6 + 4*(60e6/32*34/650e9+7*(20e-6/7+10e-6)/2+at*10e-9) + 2048*32000/32*34/650e9 + (20e-6/7+10e-6)/2,
			400e-6 + 4*60e6*(1e-10+0.5e-10)/2 + 2048*32000/32*34/650e9 + (20e-6/7+10e-6)/2 + 20e-6 + 4*32000/25e9},
		{"split: op by op on the GPU", quant.Q4_0, gpuNeed(gpuModel(quant.Q4_0), 2, 1024) + 10*mib, "cpu 0-1 | cuda0 2-3,out", "cpu",
			// The GPU's step op by op (the median of 80 and 90 µs: the
			// output head is there), the CPU's embedding op, two layers
			// (bytes at 30 GB/s, KV at 50 GB/s, 17 ops of 4 µs), the
			// activations' copy, two GPU layers and the output head op by
			// op, the logits' copy.
			85e-6 + 4e-6 + 2*(60e6/32*18/30e9+2*8*128*4*at/50e9+17*4e-6) + 20e-6 + 4*2048/25e9 +
				2*(q4Layer+50e-6+at*10e-9) + q4Out + 50e-6/7 + 20e-6 + 4*32000/25e9, 0},
	}
	for _, c := range cases {
		n := gpuModel(c.t)
		p, err := Make(n, []Device{cpu(16 * gib), gpuDecode(c.gpuFree)}, noMargin(Options{Context: 1024, PredictAt: at}))
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != c.candidate || p.Embed.Device != c.embed {
			t.Errorf("%s: chose %s with the embedding on %s, want %s on %s", c.name, p.Name, p.Embed.Device, c.candidate, c.embed)
		}
		if p.Candidate.Graph != (c.embed == "cuda0") {
			t.Errorf("%s: graph %v with the embedding on %s", c.name, p.Candidate.Graph, p.Embed.Device)
		}
		var b strings.Builder
		if err := p.Explain(&b); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), "decode steps: one graph on cuda0"); got != p.Candidate.Graph {
			t.Errorf("%s: Explain says graphs %v:\n%s", c.name, got, b.String())
		}
		if d := p.Decode*c.want - 1; math.Abs(d) > 1e-9 {
			t.Errorf("%s: decode %.2f tok/s, want %.2f", c.name, p.Decode, 1/c.want)
		}
		if d := p.Prefill*c.prefill/512 - 1; c.prefill > 0 && math.Abs(d) > 1e-9 {
			t.Errorf("%s: prefill %.2f tok/s, want %.2f", c.name, p.Prefill, 512/c.prefill)
		}
	}
}

// TestEmbeddingStepCost checks that a GPU's measured step cost is charged
// when the embedding sits on the CPU and everything else on the GPU: the
// step's output norm, selection and host work stay on the GPU. With a
// step cost that dwarfs its layers (as a real GPU's does for a small model),
// charging it only with the embedding on the GPU made the table's move to
// the CPU look faster, and lost the step's graph.
func TestEmbeddingStepCost(t *testing.T) {
	g := gpuDecode(20 * gib)
	for i := range g.Speeds.Decode {
		g.Speeds.Decode[i].StepGraph += 500e-6
		g.Speeds.Decode[i].StepEager += 500e-6
	}
	n := gpuModel(quant.Q4_0)
	p, err := Make(n, []Device{cpu(16 * gib), g}, noMargin(Options{Context: 1024, PredictAt: 100}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "cuda0 all" || p.Embed.Device != "cuda0" || !p.Candidate.Graph {
		t.Errorf("chose %s with the embedding on %s (graph %v), want cuda0 all with it there, replayed", p.Name, p.Embed.Device, p.Candidate.Graph)
	}
	for _, c := range p.Candidates {
		if c.Fits && c.Embed.Device == "cpu" && c.Name == "cuda0 all" && c.Decode >= p.Decode {
			t.Errorf("the embedding on the CPU predicted at %.1f tok/s, the graph at %.1f", c.Decode, p.Decode)
		}
	}
}

func TestWriteDecode(t *testing.T) {
	found := []*device.Device{
		{Name: "cpu", Kind: backend.CPU, Model: "Test CPU", Cores: 8,
			ReadMemory: func() (device.Memory, error) { return device.Memory{Total: 32 * gib, Free: 20 * gib}, nil }},
		{Name: "cuda0", Kind: backend.CUDA, Model: "Test GPU", Cores: 132,
			ReadMemory: func() (device.Memory, error) { return device.Memory{Total: 80 * gib, Free: 79 * gib}, nil }},
	}
	profiles := map[string]*calibrate.Profile{"cpu": cpuSpeeds(), "cuda0": gpuDecode(0).Speeds}
	var b strings.Builder
	if err := WriteDevices(&b, found, profiles, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// The Q4_0 row of class a: 40 and 70 µs, 10 ns a position, steps 50
	// and 80 µs, prefill 2000 and 300 µs.
	for _, want := range []string{"cuda0 decode", "a    Q4_0", "40.0       70.0          10.0            50.0           80.0        2000              300", "b    Q4_0"} {
		if !strings.Contains(out, want) {
			t.Errorf("devices output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "cpu decode") {
		t.Errorf("a decode table for the CPU, which has no figures:\n%s", out)
	}
}

func TestCostsForNearestClass(t *testing.T) {
	p := gpuDecode(0).Speeds
	for _, c := range []struct {
		dim  int
		want string // class; "" for none
	}{
		{2048, "a"}, {1024, "a"}, {2800, "a"}, // 2800/2048 < 4096/2800
		{3072, "b"}, {4096, "b"}, {8192, "b"},
		{0, ""},
	} {
		sc, ok := costsFor(p, c.dim, true)
		got := ""
		if ok {
			got = sc.layers[0].Class
			for _, l := range sc.layers {
				if l.Class != got {
					t.Errorf("dim %d: classes %q and %q mixed", c.dim, got, l.Class)
				}
			}
		}
		if got != c.want {
			t.Errorf("dim %d: class %q, want %q", c.dim, got, c.want)
		}
	}
	if _, ok := costsFor(gpuSpeeds(), 2048, true); ok {
		t.Error("costs from a profile without decode layers")
	}
}
