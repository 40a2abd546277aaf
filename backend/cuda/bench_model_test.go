package cuda

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

// EnvBenchModels lists GGUF files (comma-separated) that BenchmarkModel
// runs all on the GPU; it skips when unset.
const EnvBenchModels = "TERN_BENCH_MODELS"

// Units of work per b.N of BenchmarkModel.
const (
	decodeTokens = 128
	promptRuns   = 3
	batchSteps   = 64
)

// BenchmarkModel measures, per model file: decode at batch 1 op by op and
// with recorded steps; a 512-token prompt in one batch; and aggregate
// decode of 32 sequences stepped together. Each b.N is a unit of work of
// fixed size (decodeTokens tokens, promptRuns prompts, batchSteps steps)
// so that -test.benchtime 1x measures every model in one load.
func BenchmarkModel(b *testing.B) {
	files := os.Getenv(EnvBenchModels)
	if files == "" {
		b.Skipf("$%s names no models", EnvBenchModels)
	}
	dev := gpu(b)
	defer dev.SetGraphs(true)
	for _, path := range strings.Split(files, ",") {
		b.Run(filepath.Base(path), func(b *testing.B) {
			f, err := gguf.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			c, err := model.ReadConfig(f)
			if err != nil {
				b.Fatal(err)
			}
			m, err := model.Load(f, model.OnDevice(dev, c.Layers))
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			for _, graphs := range []bool{false, true} {
				name := "tg/eager"
				if graphs {
					name = "tg/graph"
				}
				b.Run(name, func(b *testing.B) {
					dev.SetGraphs(graphs)
					benchDecode(b, m)
				})
			}
			dev.SetGraphs(true)
			// The same without programmatic dependent launch, where the
			// GPU has it: what starting each kernel while the one before
			// finishes gains.
			if on, err := dev.SetPDL(false); err != nil {
				b.Fatal(err)
			} else if !on && dev.canPDL {
				b.Run("tg/graph-nopdl", func(b *testing.B) { benchDecode(b, m) })
			}
			if _, err := dev.SetPDL(true); err != nil {
				b.Fatal(err)
			}
			// The same with each step recorded as one graph, launched once
			// the whole step is checked.
			setFirstPart(b, dev, 0)
			b.Run("tg/graph-onepart", func(b *testing.B) { benchDecode(b, m) })
			setFirstPart(b, dev, 16)
			// decode after a long prompt, with and without attention split
			// along the positions
			b.Run("tg-long", func(b *testing.B) { benchDecodeLong(b, m) })
			attSplit = false
			b.Run("tg-long-nosplit", func(b *testing.B) { benchDecodeLong(b, m) })
			attSplit = true
			b.Run("pp512", func(b *testing.B) { benchPrompt(b, m, 512) })
			// the same without the tiled attention kernels, and with each
			// conversion for a product its own kernel
			attTiles = false
			b.Run("pp512-notile", func(b *testing.B) { benchPrompt(b, m, 512) })
			attTiles, writeConvFuse = true, false
			b.Run("pp512-noconv", func(b *testing.B) { benchPrompt(b, m, 512) })
			writeConvFuse = true
			b.Run("batch32", func(b *testing.B) { benchBatch(b, m, 32) })
			// the same on the pipelined kernels instead of mmq.cu's, and 8
			// sequences, on mmq.cu's 8-bit activation kernels and on the
			// matrix-vector kernels
			mqOn = false
			b.Run("batch32-nomq", func(b *testing.B) { benchBatch(b, m, 32) })
			mqOn = true
			b.Run("batch8", func(b *testing.B) { benchBatch(b, m, 8) })
			mqOn, mmaHalfMinTokens = false, math.MaxInt
			b.Run("batch8-nomq", func(b *testing.B) { benchBatch(b, m, 8) })
			mqOn, mmaHalfMinTokens = true, 4
		})
	}
}

// benchDecodeLong decodes 64·b.N tokens greedily, recorded as graphs, after
// a prompt of random tokens that fills the model's context but for 256
// positions (at most 8192): the context a long chat reaches.
func benchDecodeLong(b *testing.B, m *model.Model) {
	ctx := min(8192, m.Config.ContextLen) - 256
	n := 64 * b.N
	s, err := m.NewSequence(ctx + n + 8)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Free()
	rng := rand.New(rand.NewPCG(3, 3))
	prompt := make([]int32, ctx)
	for i := range prompt {
		prompt[i] = int32(rng.IntN(m.Config.Vocab))
	}
	logits, err := s.Append(context.Background(), prompt, 512)
	if err != nil {
		b.Fatal(err)
	}
	var start time.Time
	for i := range n + 8 {
		if i == 8 {
			start = time.Now()
		}
		if logits, err = s.Append(context.Background(), []int32{argmax(logits)}, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "tokens/s")
	b.ReportMetric(float64(ctx), "context")
}

// benchDecode decodes decodeTokens·b.N tokens greedily after an 8-token warm-up.
func benchDecode(b *testing.B, m *model.Model) {
	const warm = 8
	n := decodeTokens * b.N
	s, err := m.NewSequence(n + warm + 10)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Free()
	logits, err := s.Append(context.Background(), []int32{1}, 0)
	if err != nil {
		b.Fatal(err)
	}
	var start time.Time
	dev := m.Place.Embed.(*Device)
	var checking, checkingAll time.Duration
	replayed := dev.gs.replayed
	for i := range warm + n {
		if i == warm {
			start = time.Now()
			checking, checkingAll, replayed = dev.gs.checking, dev.gs.checkingAll, dev.gs.replayed
		}
		if logits, err = s.Append(context.Background(), []int32{argmax(logits)}, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "tokens/s")
	if r := dev.gs.replayed - replayed; r > 0 {
		b.ReportMetric(float64((dev.gs.checking-checking).Microseconds())/float64(r), "check-µs/step")
		b.ReportMetric(float64((dev.gs.checkingAll-checkingAll).Microseconds())/float64(r), "checkall-µs/step")
	}
	// GPU time of a token (events around the step and its logits' download),
	// median of 9: what is left is host time
	var gpu []float64
	for range 9 {
		t, err := dev.gpuTime(func() error {
			logits, err = s.Append(context.Background(), []int32{argmax(logits)}, 0)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		gpu = append(gpu, t.Seconds())
	}
	slices.Sort(gpu)
	b.ReportMetric(gpu[4]*1e6, "gpu-µs/token")
	// The step's recording replayed back to back, without the host work
	// between steps (checking the ops, downloading and picking the token):
	// checking the kernels of the first part is the GPU's wait (check-µs),
	// of all of them the host's work before the last part (checkall-µs).
	if g := dev.lastGraph(); g != nil && !dev.gs.off {
		const launches = 20
		t, err := dev.gpuTime(func() error {
			for range launches {
				for _, p := range g.parts {
					if err := dev.drv.call(fnGraphLaunch, p.exec, dev.stream); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(t.Seconds()*1e6/launches, "graph-µs/step")
	}
}

// setFirstPart sets firstPart, dropping the recordings made with the other
// setting.
func setFirstPart(b *testing.B, d *Device, n int) {
	unlock, err := d.enter()
	if err != nil {
		b.Fatal(err)
	}
	defer unlock()
	if err := d.drv.call(fnStreamSynchronize, d.stream); err != nil {
		b.Fatal(err)
	}
	d.freeGraphs()
	firstPart = n
}

// lastGraph is the recorded step launched last, or nil.
func (d *Device) lastGraph() *graph {
	var last *graph
	for _, g := range d.gs.graphs {
		if last == nil || g.lastUse > last.lastUse {
			last = g
		}
	}
	return last
}

// benchPrompt runs promptRuns·b.N prompts of n random tokens, each in one
// batch through a fresh sequence, after one warm-up prompt.
func benchPrompt(b *testing.B, m *model.Model, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	toks := make([]int32, n)
	for i := range toks {
		toks[i] = int32(rng.IntN(m.Config.Vocab))
	}
	var total time.Duration
	runs := promptRuns * b.N
	for i := -1; i < runs; i++ {
		s, err := m.NewSequence(n)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := s.Append(context.Background(), toks, n); err != nil {
			b.Fatal(err)
		}
		if i >= 0 {
			total += time.Since(start)
		}
		s.Free()
	}
	b.ReportMetric(float64(n*runs)/total.Seconds(), "tokens/s")
}

// benchBatch steps seqs sequences together, one token each per step, as
// the engine does for decode, after a 16-token prompt each: batchSteps·b.N
// steps.
func benchBatch(b *testing.B, m *model.Model, seqs int) {
	const blockSize, prompt = 16, 16
	steps := batchSteps * b.N
	perSeq := (prompt + steps + blockSize) / blockSize
	kv, err := m.NewCache(seqs*perSeq, blockSize, quant.F16)
	if err != nil {
		b.Fatal(err)
	}
	defer kv.Free()
	tables := make([][]int32, seqs)
	for s := range tables {
		for j := range perSeq {
			tables[s] = append(tables[s], int32(s*perSeq+j))
		}
	}
	step := func(pos []int, toks []int32) ([]float32, error) {
		bt := &backend.Batch{Tables: tables, BlockSize: blockSize}
		var want []int
		for s := range seqs {
			for i := 0; i < len(toks)/seqs; i++ {
				p := pos[s] + i
				bt.Pos = append(bt.Pos, int32(p))
				bt.Seq = append(bt.Seq, int32(s))
				bt.Slots = append(bt.Slots, int32(bt.Row(s, p)))
			}
			want = append(want, len(bt.Pos)-1)
		}
		return m.Forward(context.Background(), kv, toks, bt, want, nil)
	}
	pos := make([]int, seqs)
	first := make([]int32, seqs*prompt)
	for i := range first {
		first[i] = int32(i % m.Config.Vocab)
	}
	logits, err := step(pos, first)
	if err != nil {
		b.Fatal(err)
	}
	for s := range pos {
		pos[s] = prompt
	}
	toks := make([]int32, seqs)
	start := time.Now()
	for range steps {
		vocab := len(logits) / seqs
		for s := range toks {
			toks[s] = argmax(logits[s*vocab : (s+1)*vocab])
		}
		if logits, err = step(pos, toks); err != nil {
			b.Fatal(err)
		}
		for s := range pos {
			pos[s]++
		}
	}
	b.ReportMetric(float64(seqs*steps)/time.Since(start).Seconds(), "tokens/s")
}

// BenchmarkMatMat times the tensor-core product at prefill sizes: an
// 8192² F16 weight by 4096 tokens (the kernel's peak), and the 8B layer
// shapes by 512 tokens per format. TFLOP/s from GPU time (events).
func BenchmarkMatMat(b *testing.B) {
	dev := gpu(b)
	rng := rand.New(rand.NewPCG(13, 13))
	type shape struct{ m, k, n int }
	cases := []struct {
		typ quant.Type
		s   shape
	}{{quant.F16, shape{8192, 8192, 4096}}}
	for _, typ := range []quant.Type{quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K} {
		for _, s := range []shape{{4096, 4096, 512}, {14336, 4096, 512}, {4096, 14336, 512}} {
			cases = append(cases, struct {
				typ quant.Type
				s   shape
			}{typ, s})
		}
	}
	for _, tc := range cases {
		s := tc.s
		b.Run(fmt.Sprintf("%s/%dx%d/n%d", tc.typ, s.m, s.k, s.n), func(b *testing.B) {
			ws := randomWeights(b, dev, rng, tc.typ, s.m, s.k)
			x, err := dev.Alloc(quant.F32, s.n, s.k)
			if err != nil {
				b.Fatal(err)
			}
			defer dev.Free(x)
			if err := dev.Upload(x, f32Bytes(randF32(rng, s.n*s.k, 1))); err != nil {
				b.Fatal(err)
			}
			out, err := dev.Alloc(quant.F32, s.n, s.m)
			if err != nil {
				b.Fatal(err)
			}
			defer dev.Free(out)
			for i := range b.N {
				if err := dev.MatMul(out, x, ws[i%len(ws)]); err != nil {
					b.Fatal(err)
				}
			}
			if err := dev.Sync(); err != nil {
				b.Fatal(err)
			}
			var best time.Duration
			for r := range 5 {
				t, err := dev.gpuTime(func() error { return dev.MatMul(out, x, ws[r%len(ws)]) })
				if err != nil {
					b.Fatal(err)
				}
				if r == 0 || t < best {
					best = t
				}
			}
			b.ReportMetric(2*float64(s.m)*float64(s.k)*float64(s.n)/best.Seconds()/1e12, "TFLOP/s")
			b.ReportMetric(best.Seconds()*1e6, "gpu-µs")
		})
	}
}
