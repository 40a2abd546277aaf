package calibrate

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

func TestProbeLayers(t *testing.T) {
	cases := []struct {
		layerBytes, shallowBytes int
		free                     uint64
		shallow, deep            int
		ok                       bool
	}{
		{34 << 20, 64 << 20, 80 << 30, 2, 4, true},   // 1B class Q4_0: two layers leave the L2
		{122 << 20, 64 << 20, 80 << 30, 1, 3, true},  // 1B F16
		{243 << 20, 64 << 20, 80 << 30, 1, 3, true},  // 1B F32: 972 MiB together
		{436 << 20, 64 << 20, 80 << 30, 1, 3, true},  // 8B F16: 1744 MiB
		{872 << 20, 64 << 20, 80 << 30, 1, 3, false}, // 8B F32: 3488 MiB
		{436 << 20, 64 << 20, 6 << 30, 1, 3, false},  // 8B F16 on a 6 GiB card: over a quarter
		{243 << 20, 64 << 20, 4 << 30, 1, 3, true},   // 1B F32 within a quarter of 4 GiB
		{1000, 0, 1 << 30, 1, 3, true},
		{1000, 2500, 1 << 30, 3, 5, true},
		{1000, 0, 0, 1, 3, false}, // no free memory
	}
	for _, c := range cases {
		s, d, ok := probeLayers(c.layerBytes, c.shallowBytes, probeMaxBytes(c.free))
		if s != c.shallow || d != c.deep || ok != c.ok {
			t.Errorf("probeLayers(%d, %d, probeMaxBytes(%d)) = %d, %d, %v; want %d, %d, %v", c.layerBytes, c.shallowBytes, c.free, s, d, ok, c.shallow, c.deep, c.ok)
		}
	}
}

// TestDecodeLayers runs the decode probe on the CPU with a tiny class: it
// checks the mechanics (every format measured, bytes, one attention cost
// per class), not the CPU's speed.
func TestDecodeLayers(t *testing.T) {
	d := cpu.New(2)
	tiny := []LayerClass{{Name: "tiny", Dim: 64, FFN: 128, Heads: 4, KVHeads: 2, HeadDim: 16}}
	p := &Profile{MatVec: map[string]float64{"F32": 10e9, "Q8_0": 10e9}}
	var steps []string
	next := func(s string) error { steps = append(steps, s); return nil }
	// Q4_K has no rate in p: reported as a step, not measured.
	costs, err := decodeLayers(context.Background(), d, p, tiny, []quant.Type{quant.F32, quant.Q8_0, quant.Q4_K}, 0, 10*time.Millisecond, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || steps[0] != "decode tiny F32" {
		t.Errorf("steps %q", steps)
	}
	// Matrices 64×64 (q, o), 32×64 (k, v), 128×64 (gate, up), 64×128
	// (down): 36864 elements; Q8_0 rows of 64 are 68 bytes, of 128 136.
	want := map[string]int64{"F32": 36864 * 4, "Q8_0": 2*64*68 + 2*32*68 + 2*128*68 + 64*136}
	if len(costs) != len(want) {
		t.Fatalf("costs %+v", costs)
	}
	for _, c := range costs {
		if c.Class != "tiny" || c.Dim != 64 || c.Matrices != 7 || c.Bytes != want[c.Format] || c.Params != 36864 {
			t.Errorf("%+v: want %d bytes of 7 matrices, 36864 elements", c, want[c.Format])
		}
		if c.Prefill < 0 || c.PrefillStep < 0 {
			t.Errorf("%+v: negative prefill figures", c)
		}
		if c.Graph < 0 || c.Eager != c.Graph || c.Attn < 0 || c.Attn != costs[0].Attn || c.StepGraph < 0 {
			t.Errorf("%+v: want a layer cost, eager = graph (no SetGraphs), the class's attention", c)
		}
	}
}

// TestFromTimes checks a layer's costs from its probes' times: the
// difference of the deep and shallow probes a layer, the rest the step's;
// and that op-by-op costs below the graphs' (host noise) are raised to
// them, while costs above are kept.
func TestFromTimes(t *testing.T) {
	const ms = 1e-3
	cases := []struct {
		name                         string
		graph0, graph1               float64 // shallow (2 layers) and deep (4) probes' steps
		eager0, eager1               float64
		graph, eager, sGraph, sEager float64 // want: a layer's costs and the step's
	}{
		// layers 0.2 ms with graphs, 0.3 op by op; the output product a
		// seventh of a layer (no bytes, no rate to speak of)
		{"eager above", 1.0 * ms, 1.4 * ms, 1.5 * ms, 2.1 * ms, 0.2 * ms, 0.3 * ms, 1.0*ms - 0.4*ms - 0.2*ms/7, 1.5*ms - 0.6*ms - 0.3*ms/7},
		// op by op measured 0.1 ms a layer, 0.2 with graphs: raised
		{"eager below", 1.0 * ms, 1.4 * ms, 1.5 * ms, 1.7 * ms, 0.2 * ms, 0.2 * ms, 1.0*ms - 0.4*ms - 0.2*ms/7, 1.5*ms - 0.4*ms - 0.2*ms/7},
		// and a step op by op below the graph's step
		{"eager step below", 1.0 * ms, 1.4 * ms, 0.5 * ms, 1.1 * ms, 0.2 * ms, 0.3 * ms, 1.0*ms - 0.4*ms - 0.2*ms/7, 1.0*ms - 0.4*ms - 0.2*ms/7},
	}
	for _, c := range cases {
		lc := LayerCost{Matrices: 7}
		tm := [2]probeTimes{{graph: c.graph0, eager: c.eager0}, {graph: c.graph1, eager: c.eager1}}
		if attn := lc.fromTimes(tm, 2, 4, 0, 1e30, 0, 0); attn != 0 {
			t.Errorf("%s: attention %g, want the 0 given", c.name, attn)
		}
		for _, v := range []struct {
			what      string
			got, want float64
		}{{"graph", lc.Graph, c.graph}, {"eager", lc.Eager, c.eager}, {"graph step", lc.StepGraph, c.sGraph}, {"eager step", lc.StepEager, c.sEager}} {
			if math.Abs(v.got-v.want) > 1e-12 {
				t.Errorf("%s: %s %g s, want %g", c.name, v.what, v.got, v.want)
			}
		}
	}
}
