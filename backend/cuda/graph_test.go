package cuda

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/quant"
)

// TestStepReplay runs a step of Embed (staged ids that change every step)
// and Add through Step: op by op, recorded, then replayed, each checked
// against the CPU; then the same key with another output tensor, which
// must not replay the recording but still compute the right thing.
func TestStepReplay(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	defer dev.SetGraphs(true)
	dev.SetGraphs(true)
	rng := rand.New(rand.NewPCG(11, 11))
	const rows, cols, n = 50, 96, 3
	table := newPair(t, host, dev, quant.F16, rows, cols, encode(t, quant.F16, rows, cols, randF32(rng, rows*cols, 1)))
	bias := f32Pair(t, host, dev, 1, cols, randF32(rng, cols, 1))
	outs := []pair{f32Pair(t, host, dev, n, cols, nil), f32Pair(t, host, dev, n, cols, nil)}
	replayed, fellBack := dev.gs.replayed, dev.gs.fellBack
	for step := range 6 {
		out := outs[0]
		if step == 5 {
			out = outs[1]
		}
		ids := []int32{int32(rng.IntN(rows)), int32(rng.IntN(rows)), int32(rng.IntN(rows))}
		poison(t, dev, out.g)
		if err := host.Embed(out.c, table.c, ids); err != nil {
			t.Fatal(err)
		}
		if err := host.Add(out.c, out.c, bias.c); err != nil {
			t.Fatal(err)
		}
		err := dev.Step("test-step", func() error {
			if err := dev.Embed(out.g, table.g, ids); err != nil {
				return err
			}
			return dev.Add(out.g, out.g, bias.g)
		})
		if err != nil {
			t.Fatal(err)
		}
		compare(t, dev, out, 1e-6, fmt.Sprintf("step %d", step))
	}
	// steps 0 (op by op) and 1 (recorded) do not replay; 2, 3, 4 do; 5 falls back
	if got := dev.gs.replayed - replayed; got != 3 {
		t.Errorf("%d replays, want 3", got)
	}
	if got := dev.gs.fellBack - fellBack; got != 1 {
		t.Errorf("%d fallbacks, want 1", got)
	}
}

// TestGraphParts runs a step of 40 kernels, recorded in parts of 16 and
// 24, each part staging ids of its own: replays must match the CPU; a
// replay whose second part differs (another tensor at the 30th kernel) must
// still compute the right thing, the first part's kernels (additions, which
// would show if they ran twice) run once; as must one whose first part
// differs.
func TestGraphParts(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	defer dev.SetGraphs(true)
	dev.SetGraphs(true)
	rng := rand.New(rand.NewPCG(12, 12))
	const rows, cols, n = 50, 96, 2
	table := newPair(t, host, dev, quant.F16, rows, cols, encode(t, quant.F16, rows, cols, randF32(rng, rows*cols, 1)))
	biases := []pair{f32Pair(t, host, dev, 1, cols, randF32(rng, cols, 1)), f32Pair(t, host, dev, 1, cols, randF32(rng, cols, 1))}
	outs := []pair{f32Pair(t, host, dev, n, cols, nil), f32Pair(t, host, dev, n, cols, nil)}
	replayed, fellBack := dev.gs.replayed, dev.gs.fellBack
	for step := range 8 {
		odd := -1 // the kernel that differs from the recording
		switch step {
		case 4:
			odd = 29
		case 6:
			odd = 5
		}
		ids := [][]int32{{int32(rng.IntN(rows)), int32(rng.IntN(rows))}, {int32(rng.IntN(rows)), int32(rng.IntN(rows))}}
		run := func(d backend.Device, out func(int) *backend.Tensor, bias func(int) *backend.Tensor, tab *backend.Tensor) error {
			for i := range 40 {
				o := out(i / 20)
				var err error
				if i%20 == 0 {
					err = d.Embed(o, tab, ids[i/20])
				} else {
					b := bias(0)
					if i == odd {
						b = bias(1)
					}
					err = d.Add(o, o, b)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}
		for _, o := range outs {
			poison(t, dev, o.g)
		}
		if err := run(host, func(i int) *backend.Tensor { return outs[i].c }, func(i int) *backend.Tensor { return biases[i].c }, table.c); err != nil {
			t.Fatal(err)
		}
		err := dev.Step("test-parts", func() error {
			return run(dev, func(i int) *backend.Tensor { return outs[i].g }, func(i int) *backend.Tensor { return biases[i].g }, table.g)
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			compare(t, dev, o, 1e-6, fmt.Sprintf("step %d, output %d", step, i))
		}
		if g := dev.gs.graphs["test-parts"]; step == 1 && (g == nil || len(g.parts) != 2 || g.parts[0].end != 16 || g.parts[1].end != 40) {
			t.Fatalf("step 1 recorded %+v, want parts ending at 16 and 40", g)
		}
	}
	// 0 op by op, 1 recorded, 2 and 3 replayed, 4 falls back after the
	// first part, 5 op by op, 6 recorded again (with its other tensor at
	// the 6th kernel), 7 differs from that in the first part and falls
	// back at once
	if got := dev.gs.fellBack - fellBack; got != 2 {
		t.Errorf("%d fallbacks, want 2", got)
	}
	if got := dev.gs.replayed - replayed; got != 2 {
		t.Errorf("%d replays, want 2", got)
	}
}

// TestGraphDecode decodes stories260K with and without recorded steps, and
// with and without programmatic dependent launch where the GPU has it, fed
// the same tokens, and requires the same logits: a replay runs the same
// kernels on the same data, and a kernel that starts early waits for the
// results it reads.
func TestGraphDecode(t *testing.T) {
	dev := gpu(t)
	defer dev.SetGraphs(true)
	defer dev.SetPDL(true)
	m := loadOn(t, dev, testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf"))
	const steps = 40
	prompt := []int32{1, 403, 407, 261, 378}
	var tokens []int32
	type config struct{ graphs, pdl bool }
	configs := []config{{false, false}, {true, false}}
	if dev.canPDL {
		configs = append(configs, config{false, true}, config{true, true})
	}
	runs := make([][][]float32, len(configs))
	for i, cf := range configs {
		on := cf.graphs
		dev.SetGraphs(on)
		if _, err := dev.SetPDL(cf.pdl); err != nil {
			t.Fatal(err)
		}
		replayed := dev.gs.replayed
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
			runs[i] = append(runs[i], slices.Clone(logits))
			if i == 0 {
				tokens = append(tokens, argmax(logits))
			}
			input = []int32{tokens[step]}
		}
		s.Free()
		if got := dev.gs.replayed - replayed; on && got < steps-4 {
			t.Errorf("%d of %d steps replayed", got, steps)
		}
	}
	for i, cf := range configs[1:] {
		for step := range steps {
			if d := maxDiff(runs[i+1][step], runs[0][step]); d > 0 {
				t.Errorf("step %d: logits with graphs %v, PDL %v differ from one by one by %.3g", step, cf.graphs, cf.pdl, d)
			}
		}
	}
}

// TestGraphGrowingTables decodes two sequences stepped together, their
// block tables growing a block at a time as they lengthen (as the engine
// builds them), with and without recorded steps, and requires the same
// logits: steps whose tables grow within their staged capacity
// (backend.TableCap) replay one recording, which reads the current tables.
func TestGraphGrowingTables(t *testing.T) {
	dev := gpu(t)
	defer dev.SetGraphs(true)
	m := loadOn(t, dev, testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf"))
	const bs, steps = 4, 60
	prompts := [][]int32{{1, 403, 407, 261, 378}, {1, 300, 17}}
	var tokens [][2]int32
	var runs [2][][]float32
	recorded := 0
	for i, on := range []bool{false, true} {
		dev.SetGraphs(on)
		kv, err := m.NewCache(2*(steps+8)/bs+4, bs, quant.F16)
		if err != nil {
			t.Fatal(err)
		}
		// sequence s takes blocks s, s+2, s+4, … as it needs them
		tables := [][]int32{nil, nil}
		pos := [2]int{}
		replayed, rec := dev.gs.replayed, dev.gs.recorded
		for step := range steps + 1 {
			b := &backend.Batch{BlockSize: bs}
			var toks []int32
			var want []int
			for s := range 2 {
				in := prompts[s]
				if step > 0 {
					in = []int32{tokens[step-1][s]}
				}
				for _, id := range in {
					for len(tables[s])*bs <= pos[s] {
						tables[s] = append(tables[s], int32(2*len(tables[s])+s))
					}
					b.Tables = tables
					b.Pos = append(b.Pos, int32(pos[s]))
					b.Seq = append(b.Seq, int32(s))
					b.Slots = append(b.Slots, int32(b.Row(s, pos[s])))
					toks = append(toks, id)
					pos[s]++
				}
				want = append(want, len(toks)-1)
			}
			logits, err := m.Forward(context.Background(), kv, toks, b, want, nil)
			if err != nil {
				t.Fatal(err)
			}
			runs[i] = append(runs[i], logits)
			if i == 0 {
				v := len(logits) / 2
				tokens = append(tokens, [2]int32{argmax(logits[:v]), argmax(logits[v:])})
			}
		}
		kv.Free()
		if on {
			recorded = dev.gs.recorded - rec
			total := len(tables[0]) + len(tables[1])
			t.Logf("%d steps, tables of %d entries at the end: %d recorded, %d replayed", steps+1, total, recorded, dev.gs.replayed-replayed)
			// decode steps: tables from 3 to 35 entries, capacities 16, 32
			// and 64, each recorded at its second step
			if recorded > 3 || dev.gs.replayed-replayed < steps-8 {
				t.Errorf("%d recordings and %d replays for %d decode steps with growing tables", recorded, dev.gs.replayed-replayed, steps)
			}
		}
	}
	for step := range runs[0] {
		if d := maxDiff(runs[1][step], runs[0][step]); d > 0 {
			t.Errorf("step %d: logits with graphs differ by %.3g", step, d)
		}
	}
}

// TestGraphEviction records more shapes than the cache keeps, launching
// the first again between them, and requires the least recently used to
// go: the first stays, the second is dropped, and every step computes
// what the CPU does.
func TestGraphEviction(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	defer dev.SetGraphs(true)
	dev.SetGraphs(true)
	for k := range dev.gs.graphs {
		dev.dropGraph(k)
	}
	rng := rand.New(rand.NewPCG(12, 12))
	const rows, cols = 20, 64
	table := newPair(t, host, dev, quant.F32, rows, cols, f32Bytes(randF32(rng, rows*cols, 1)))
	out := f32Pair(t, host, dev, 1, cols, nil)
	step := func(key string) {
		t.Helper()
		id := []int32{int32(rng.IntN(rows))}
		if err := host.Embed(out.c, table.c, id); err != nil {
			t.Fatal(err)
		}
		if err := dev.Step(key, func() error { return dev.Embed(out.g, table.g, id) }); err != nil {
			t.Fatal(err)
		}
		compare(t, dev, out, 0, key)
	}
	key := func(i int) string { return fmt.Sprintf("evict-%d", i) }
	for i := range maxGraphs + 1 {
		step(key(i))
		step(key(i)) // recorded
		step(key(0)) // replayed: the most recently used
	}
	if dev.gs.graphs[key(0)] == nil {
		t.Errorf("the most recently used graph was dropped")
	}
	if dev.gs.graphs[key(1)] != nil {
		t.Errorf("the least recently used graph was kept")
	}
	if len(dev.gs.graphs) != maxGraphs {
		t.Errorf("%d graphs kept, want %d", len(dev.gs.graphs), maxGraphs)
	}
}
