package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/quant"
)

const (
	mib = 1 << 20
	gib = 1 << 30
)

// cpuSpeeds and gpuSpeeds are simulated calibrations: a desktop CPU (50
// GB/s) and a discrete GPU (900 GB/s behind a 25 GB/s bus).
func cpuSpeeds() *calibrate.Profile {
	return &calibrate.Profile{Device: "cpu", Kind: backend.CPU, Bandwidth: 50e9,
		MatVec:    map[string]float64{"F32": 40e9, "F16": 35e9, "Q8_0": 35e9, "Q4_0": 30e9, "Q4_K": 28e9},
		MatMat:    map[string]float64{"F32": 0.5e12, "F16": 0.4e12, "Q8_0": 0.6e12, "Q4_0": 0.5e12, "Q4_K": 0.4e12},
		OpLatency: 4e-6, Convert: map[string]float64{"Q4_K": 1e9}}
}

func gpuSpeeds() *calibrate.Profile {
	return &calibrate.Profile{Device: "cuda0", Kind: backend.CUDA, Bandwidth: 900e9,
		MatVec:       map[string]float64{"F32": 700e9, "F16": 700e9, "Q8_0": 650e9, "Q4_0": 600e9, "Q4_K": 600e9},
		MatMat:       map[string]float64{"F32": 50e12, "F16": 100e12, "Q8_0": 80e12, "Q4_0": 80e12, "Q4_K": 80e12},
		OpLatency:    10e-6,
		HostToDevice: 25e9, DeviceToHost: 25e9}
}

func cpu(free uint64) Device {
	return Device{Name: "cpu", Kind: backend.CPU, Free: free, Total: 64 * gib, Speeds: cpuSpeeds()}
}

func gpu(free uint64) Device {
	return Device{Name: "cuda0", Kind: backend.CUDA, Free: free, Total: 24 * gib, Speeds: gpuSpeeds()}
}

// synth is a llama-like model: layers blocks of params weights of type t
// each, width dim, vocab tokens, GQA with 8 KV heads of 128.
func synth(name string, layers int, params uint64, t quant.Type, dim, vocab int) *Needs {
	bytesOf := func(p uint64) uint64 { return p / uint64(t.BlockSize()) * uint64(t.BlockBytes()) }
	n := &Needs{Name: name, Dim: dim, Vocab: vocab, ContextLen: 8192,
		ScratchPerToken: uint64(4 * 10 * dim), LogitsPerToken: uint64(4 * vocab)}
	for i := 0; i < layers; i++ {
		n.Layers = append(n.Layers, Part{Name: "blk", Weights: []Weight{{Type: t, Bytes: bytesOf(params), Params: params}},
			KVElems: 2 * 8 * 128, AttnFlops: 4 * 32 * 128, Heads: 32, Ops: opsPerLayer})
	}
	emb := uint64(dim * vocab)
	n.Embed = Part{Name: "token_embd", Weights: []Weight{{Type: t, Bytes: bytesOf(emb), Params: emb}}, Ops: 1}
	n.Output = Part{Name: "output", Weights: []Weight{{Type: t, Bytes: bytesOf(emb), Params: emb}}, Ops: opsOutput}
	return n
}

// noMargin keeps budgets equal to free memory so that the tests' arithmetic is exact.
func noMargin(o Options) Options { o.MarginFraction = -1; return o }

// mem8B is a model of 8 layers of 200M Q4_0 weights (112.5 MB each).
func mem8B() *Needs { return synth("m8", 8, 200e6, quant.Q4_0, 4096, 32000) }

// gpuNeed is what a GPU holding the last k layers and the output head
// needs at context ctx (batch 1, F32 KV, chunk 512), computed from the
// model's description rather than the planner's code.
func gpuNeed(n *Needs, k, ctx int) uint64 {
	layer := n.Layers[0].Weights[0].Bytes
	kv := uint64(n.Layers[0].KVElems) * 4 * uint64(ctx)
	out := n.Output.Weights[0].Bytes
	scratch := 512 * (n.ScratchPerToken + n.LogitsPerToken)
	return uint64(k)*(layer+kv) + out + scratch
}

func TestScenarios(t *testing.T) {
	n := mem8B()
	ctx := 2048
	tests := []struct {
		name   string
		needs  *Needs
		devs   []Device
		opts   Options
		choice string                      // the chosen candidate's name
		check  func(t *testing.T, p *Plan) // more checks
	}{
		{
			name:   "fits on the GPU",
			needs:  n,
			devs:   []Device{cpu(16 * gib), gpu(20 * gib)},
			opts:   noMargin(Options{Context: ctx}),
			choice: "cuda0 all",
			check: func(t *testing.T, p *Plan) {
				if u := use(p, "cuda0"); u.Peak() != gpuNeed(n, 8, ctx) {
					t.Errorf("cuda0 peak %d, want %d", u.Peak(), gpuNeed(n, 8, ctx))
				}
				if p.Embed.Device != "cpu" {
					t.Errorf("embedding on %s, want the cpu", p.Embed.Device)
				}
			},
		},
		{
			name:   "GPU too small: split at the last boundary that fits",
			needs:  n,
			devs:   []Device{cpu(16 * gib), gpu(gpuNeed(n, 5, ctx) + 50*mib)},
			opts:   noMargin(Options{Context: ctx}),
			choice: "cpu 0-2 | cuda0 3-7,out",
		},
		{
			name:   "user limit below free memory",
			needs:  n,
			devs:   []Device{cpu(16 * gib), gpu(20 * gib)},
			opts:   noMargin(Options{Context: ctx, Limits: Limits{Device: map[string]uint64{"cuda0": gpuNeed(n, 3, ctx) + 10*mib}}}),
			choice: "cpu 0-4 | cuda0 5-7,out",
			check: func(t *testing.T, p *Plan) {
				if u := use(p, "cuda0"); u.Budget != gpuNeed(n, 3, ctx)+10*mib {
					t.Errorf("cuda0 budget %d, want the limit", u.Budget)
				}
			},
		},
		{
			name:  "nothing fits resident: the CPU streams its tail",
			needs: n,
			devs:  []Device{cpu(600 * mib)},
			opts:  noMargin(Options{Context: 512}),
			check: func(t *testing.T, p *Plan) {
				if p.Streamed() == 0 || !p.Fits {
					t.Fatalf("choice %s streams %d parts, fits %v", p.Name, p.Streamed(), p.Fits)
				}
				u := use(p, "cpu")
				if u.Peak()+n.Layers[0].Bytes() <= u.Budget {
					t.Errorf("peak %d + a layer fits the budget %d: streamed more than needed", u.Peak(), u.Budget)
				}
				if !p.Output.Streamed || p.Layers[0].Streamed {
					t.Errorf("streamed %v / output %v: want the tail streamed", p.Layers, p.Output)
				}
				if u.Window != 2*n.Layers[0].Bytes() {
					t.Errorf("window %d, want two of the largest streamed part (a layer)", u.Window)
				}
			},
		},
		{
			// With the prefill chunk shrunk to 64: 700 MiB less scratch (64
			// rows of 10·4·4096 + 4·32000 bytes: 17.8 MiB), KV (8·512·2·1024·4
			// bytes: 32 MiB) and the window (two layers, 214.6 MiB) leaves
			// 435.6 MiB: four resident layers (429.2 MiB), the embedding
			// streamed.
			name:   "a memory limit below free memory streams on the CPU",
			needs:  n,
			devs:   []Device{cpu(16 * gib)},
			opts:   noMargin(Options{Context: 512, Limits: Limits{Total: 700 * mib}}),
			choice: "cpu 0-3 | cpu 4-7,out (streamed)",
			check: func(t *testing.T, p *Plan) {
				if u := use(p, "cpu"); u.Weights != 4*n.Layers[0].Bytes() || !p.Embed.Streamed || p.PrefillChunk != 64 {
					t.Errorf("resident %d, embedding streamed %v, chunk %d", u.Weights, p.Embed.Streamed, p.PrefillChunk)
				}
			},
		},
		{
			// The same limit with the chunk held at 512: scratch is 142.5
			// MiB, leaving 310.9 MiB: two resident layers (214.6 MiB) and
			// the embedding (70.3 MiB).
			name:   "a memory limit, the prefill chunk held",
			needs:  n,
			devs:   []Device{cpu(16 * gib)},
			opts:   noMargin(Options{Context: 512, MinPrefillChunk: 512, Limits: Limits{Total: 700 * mib}}),
			choice: "cpu 0-1 | cpu 2-7,out (streamed)",
			check: func(t *testing.T, p *Plan) {
				if u := use(p, "cpu"); u.Weights != 2*n.Layers[0].Bytes()+n.Embed.Bytes() {
					t.Errorf("resident %d", u.Weights)
				}
			},
		},
		{
			// Everything resident at chunk 512 lacks 100 MiB; a smaller
			// chunk needs up to 124.7 MiB less scratch (448 rows of
			// 163840+128000 bytes), and the embedding may stream.
			name:   "prefill chunk shrunk before streaming",
			needs:  n,
			devs:   []Device{cpu(16 * gib)},
			opts:   noMargin(Options{Context: 512, Limits: Limits{Total: gpuNeed(n, 8, 512) + n.Embed.Bytes() - 100*mib}}),
			choice: "cpu all",
			check: func(t *testing.T, p *Plan) {
				if p.PrefillChunk >= 512 || p.Streamed() != 0 || !strings.Contains(strings.Join(p.Notes, "\n"), "prefill chunk shrunk from 512 to") {
					t.Errorf("chunk %d, notes %q", p.PrefillChunk, p.Notes)
				}
			},
		},
		{
			name:   "format with no kernel on the GPU: converted at load",
			needs:  synth("k", 8, 200e6, quant.Q4_K, 4096, 32000),
			devs:   []Device{cpu(16 * gib), withKernels(gpu(20*gib), []quant.Type{quant.Q8_0}, quant.Q8_0, quant.F16, quant.F32)},
			opts:   noMargin(Options{Context: ctx}),
			choice: "cuda0 all",
			check: func(t *testing.T, p *Plan) {
				if len(p.Converted) != 9 {
					t.Fatalf("%d conversions, want 9 (8 layers and the output)", len(p.Converted))
				}
				c := p.Converted[0]
				if c.From != quant.Q4_K || c.To != quant.Q8_0 || c.Seconds <= 0 {
					t.Errorf("conversion %+v", c)
				}
				// 200M weights in Q8_0: 200e6/32·34 bytes.
				want := uint64(200e6/32*34)*8 + uint64(4096*32000/32*34)
				if u := use(p, "cuda0"); u.Weights != want {
					t.Errorf("cuda0 weights %d, want %d (converted sizes)", u.Weights, want)
				}
				if !strings.Contains(strings.Join(p.Notes, "\n"), "converted Q4_K → Q8_0") {
					t.Errorf("notes %q do not say what is converted", p.Notes)
				}
			},
		},
		{
			name:   "format with no kernel on the GPU and no conversion: GPU left out",
			needs:  synth("k", 8, 200e6, quant.Q4_K, 4096, 32000),
			devs:   []Device{cpu(16 * gib), withKernels(gpu(20*gib), nil, quant.Q8_0)},
			opts:   noMargin(Options{Context: ctx}),
			choice: "cpu all",
			check: func(t *testing.T, p *Plan) {
				if !strings.Contains(strings.Join(p.Notes, "\n"), "cuda0 left out: no kernel for Q4_K") {
					t.Errorf("notes %q do not say why cuda0 is out", p.Notes)
				}
			},
		},
		{
			name: "tiny model: the CPU alone beats a split",
			// stories260K's size: 5 layers of 45K F32 weights.
			needs:  synth("tiny", 5, 45056, quant.F32, 64, 512),
			devs:   []Device{cpu(16 * gib), gpu(gpuNeed(synth("tiny", 5, 45056, quant.F32, 64, 512), 2, 512) + 1000)},
			opts:   noMargin(Options{Context: 512}),
			choice: "cpu all",
			check: func(t *testing.T, p *Plan) {
				split := 0
				for _, c := range p.Candidates {
					if strings.Contains(c.Name, "cuda0") && c.Fits {
						split++
						if c.Decode >= p.Decode {
							t.Errorf("split %s predicted at %.0f tok/s, not slower than the CPU's %.0f", c.Name, c.Decode, p.Decode)
						}
					}
				}
				if split == 0 {
					t.Error("no split fitted: the scenario tests nothing")
				}
			},
		},
		{
			name:   "KV shrunk before streaming",
			needs:  n,
			devs:   []Device{gpu(gpuNeed(n, 8, 2048) + n.Embed.Bytes() + 10*mib)}, // no CPU: the embedding is on the GPU
			opts:   noMargin(Options{Context: 8192, MinContext: 1024, MinPrefillChunk: 512}),
			choice: "cuda0 all",
			check: func(t *testing.T, p *Plan) {
				if p.Context != 2048 {
					t.Errorf("context %d, want 2048 (8192 halved until the KV fits)", p.Context)
				}
			},
		},
		{
			name:   "total limit over all devices: the GPU's share and the CPU's embedding",
			needs:  n,
			devs:   []Device{cpu(16 * gib), gpu(20 * gib)},
			opts:   noMargin(Options{Context: ctx, Limits: Limits{Total: gpuNeed(n, 8, ctx) + n.Embed.Bytes()}}),
			choice: "cuda0 all",
		},
		{
			// One byte short for every weight resident: the cheapest
			// thing to stream is the embedding (a row per token).
			name:   "total limit one byte lower: the embedding streams",
			needs:  n,
			devs:   []Device{cpu(16 * gib), gpu(20 * gib)},
			opts:   noMargin(Options{Context: ctx, Limits: Limits{Total: gpuNeed(n, 8, ctx) + n.Embed.Bytes() - 1}}),
			choice: "cuda0 all",
			check: func(t *testing.T, p *Plan) {
				var sum uint64
				for _, u := range p.Use {
					sum += u.Peak()
				}
				if !p.Embed.Streamed || p.Streamed() != 0 || sum > gpuNeed(n, 8, ctx)+n.Embed.Bytes()-1 {
					t.Errorf("choice %s streams the embedding %v and %d parts, uses %d in all", p.Name, p.Embed.Streamed, p.Streamed(), sum)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Make(tc.needs, tc.devs, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.choice != "" && p.Name != tc.choice {
				var b strings.Builder
				p.Explain(&b)
				t.Fatalf("chose %q, want %q\n%s", p.Name, tc.choice, b.String())
			}
			for _, u := range p.Use {
				if u.Peak() > u.Budget {
					t.Errorf("%s: peak %d over budget %d", u.Device, u.Peak(), u.Budget)
				}
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func use(p *Plan, dev string) Use {
	for _, u := range p.Use {
		if u.Device == dev {
			return u
		}
	}
	return Use{}
}

func withKernels(d Device, convert []quant.Type, types ...quant.Type) Device {
	d.Supports = func(t quant.Type) bool {
		for _, x := range types {
			if x == t {
				return true
			}
		}
		return false
	}
	d.ConvertTo = convert
	return d
}

// TestFreeMemoryDrops plans twice: the GPU holds the whole model, then
// another process takes most of its memory and the re-plan splits.
func TestFreeMemoryDrops(t *testing.T) {
	n := mem8B()
	o := noMargin(Options{Context: 2048})
	first, err := Make(n, []Device{cpu(16 * gib), gpu(20 * gib)}, o)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Make(n, []Device{cpu(16 * gib), gpu(gpuNeed(n, 2, 2048) + mib)}, o)
	if err != nil {
		t.Fatal(err)
	}
	if first.Name != "cuda0 all" || second.Name != "cpu 0-5 | cuda0 6-7,out" {
		t.Fatalf("plans %q then %q", first.Name, second.Name)
	}
	if second.Decode >= first.Decode {
		t.Errorf("the re-plan predicts %.1f tok/s, not slower than %.1f", second.Decode, first.Decode)
	}
	if first.Summary() == second.Summary() {
		t.Error("summaries do not show the re-plan")
	}
	// The same through Replan, with the line to log.
	again, msg, err := first.Replan([]Device{cpu(16 * gib), gpu(gpuNeed(n, 2, 2048) + mib)})
	if err != nil {
		t.Fatal(err)
	}
	wantMsg := "re-plan of m8: cuda0 all → cpu 0-5 | cuda0 6-7,out; decode "
	if again.Name != second.Name || !strings.HasPrefix(msg, wantMsg) || !strings.Contains(msg, "(cuda0 free 20GiB → ") {
		t.Errorf("Replan chose %s, logged %q", again.Name, msg)
	}
	same, msg, err := again.Replan([]Device{cpu(16 * gib), gpu(gpuNeed(n, 2, 2048) + mib)})
	if err != nil || msg != "" || same.Name != again.Name {
		t.Errorf("an unchanged re-plan: %s, %q, %v", same.Name, msg, err)
	}
}

func TestNoFit(t *testing.T) {
	n := mem8B()
	// The KV of 8 layers at 4096 positions (F32) alone is 256 MiB.
	p, err := Make(n, []Device{cpu(200 * mib)}, noMargin(Options{Context: 4096}))
	if !errors.Is(err, ErrNoFit) || !errors.Is(err, backend.ErrOutOfMemory) {
		t.Fatalf("err %v: want ErrNoFit wrapping ErrOutOfMemory", err)
	}
	if p == nil || len(p.Candidates) == 0 {
		t.Fatal("no candidates to explain")
	}
	var b strings.Builder
	if err := p.Explain(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "no candidate fits") || !strings.Contains(b.String(), "cpu needs") {
		t.Errorf("explain does not say why:\n%s", b.String())
	}
}

func TestUncalibratedDeviceLeftOut(t *testing.T) {
	g := gpu(20 * gib)
	g.Speeds = nil
	p, err := Make(mem8B(), []Device{cpu(16 * gib), g}, Options{Context: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "cpu all" || !strings.Contains(strings.Join(p.Notes, "\n"), "cuda0 left out: not calibrated") {
		t.Errorf("choice %s, notes %q", p.Name, p.Notes)
	}
}

// TestPredictionByHand checks the decode prediction of a one-device plan
// against the formula written out: every byte of weights at the format's
// matvec rate, the format's cost per matrix (from memory where the weights
// do not fit in the cache, else from the cache), the KV read at bandwidth, the ops' fixed cost, and the
// step's.
func TestPredictionByHand(t *testing.T) {
	n := mem8B() // 8 × 112.5 MB of layers
	for i := range n.Layers {
		n.Layers[i].Weights[0].Matrices = 7
	}
	n.Output.Weights[0].Matrices = 1
	for _, c := range []struct {
		name          string
		step, matvec  float64
		cache         int64
		matvecCharged bool    // from memory: the matvec figure, not the small one
		attn          float64 // per query head per position
	}{
		{"ops only", 0, 0, 0, true, 0},
		{"a step's cost", 30e-6, 0, 0, true, 0},
		{"matrices from memory", 30e-6, 25e-6, 64 << 20, true, 0},
		{"matrices from memory, cache unknown", 0, 25e-6, 0, true, 0},
		{"weights within the cache", 0, 25e-6, 2 << 30, false, 0},
		{"attention per head", 0, 25e-6, 0, true, 8e-9},
	} {
		small := 2e-6 // Q4_0's cost per product from the cache
		d := cpu(16 * gib)
		d.Speeds.StepLatency, d.Speeds.CacheBytes, d.Speeds.AttnLatency = c.step, c.cache, c.attn
		d.Speeds.MatVecLatency = map[string]float64{"Q4_0": c.matvec, "Q8_0": 1}
		d.Speeds.MatVecSmall = map[string]float64{"Q4_0": small, "Q8_0": 1}
		p, err := Make(n, []Device{d}, noMargin(Options{Context: 1024, PredictAt: 100}))
		if err != nil {
			t.Fatal(err)
		}
		s := d.Speeds
		perMatrix := small
		if c.matvecCharged {
			perMatrix = c.matvec
		}
		layer := float64(n.Layers[0].Weights[0].Bytes)/30e9 + 7*perMatrix + float64(2*8*128*4*100)/50e9 + 100*32*c.attn + 17*s.OpLatency
		out := float64(n.Output.Weights[0].Bytes)/30e9 + perMatrix + 4*s.OpLatency
		want := 1 / (8*layer + out + s.OpLatency + c.step)
		if d := p.Decode/want - 1; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: decode %.4f tok/s, want %.4f", c.name, p.Decode, want)
		}
	}
}

func TestExplain(t *testing.T) {
	p, err := Make(synth("m24", 24, 200e6, quant.Q4_0, 4096, 32000), []Device{cpu(16 * gib), gpu(4 * gib)}, Options{Context: 2048})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := p.Explain(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"model m24", "device cpu", "device cuda0", "candidate", "decode tok/s", "choice: " + p.Name, "more candidates"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n*") != 0 && !strings.Contains(out, "*  "+p.Name) && !strings.Contains(out, "* "+p.Name) {
		t.Errorf("the choice is not marked:\n%s", out)
	}
}
