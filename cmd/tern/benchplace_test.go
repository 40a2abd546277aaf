package main

import (
	"math"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/plan"
	"github.com/tern-llm/tern/quant"
)

// TestPartsOf checks that the placement parts of stories260K add up to
// what weightStats says a token reads and computes, a layer each.
func TestPartsOf(t *testing.T) {
	for _, name := range []string{"stories260K-f32.gguf", "stories260K-Q8_0.gguf"} {
		f, err := openGGUF(testdata.Path(t, "stories260K", name))
		if err != nil {
			t.Fatal(err)
		}
		c, err := model.ReadConfig(f)
		if err != nil {
			t.Fatal(err)
		}
		w, p := weightStats(f), partsOf(f)
		f.Close()
		if len(p.layers) != c.Layers || len(p.layerFlops) != c.Layers {
			t.Fatalf("%s: %d layers, want %d", name, len(p.layers), c.Layers)
		}
		bytes, flops := p.embed+p.output, p.outputFlops
		for i := range p.layers {
			if p.layers[i] <= 0 || p.layerFlops[i] <= 0 {
				t.Errorf("%s: layer %d: %d bytes, %d flops", name, i, p.layers[i], p.layerFlops[i])
			}
			bytes, flops = bytes+p.layers[i], flops+p.layerFlops[i]
		}
		if bytes != w.perToken || flops != 2*w.matmul {
			t.Errorf("%s: parts read %d bytes and take %d flops, weightStats %d and %d", name, bytes, flops, w.perToken, 2*w.matmul)
		}
	}
}

// TestPlacedRoofline checks the arithmetic of the roofline of a placement:
// each part's bytes (flops) over its device's rate, summed.
func TestPlacedRoofline(t *testing.T) {
	parts := modelParts{embed: 1e3, output: 4e6, outputFlops: 8e6, layers: []int64{1e7, 1e7, 1e7}, layerFlops: []int64{2e7, 2e7, 2e7}}
	profiles := map[string]*calibrate.Profile{
		"cpu":   {Kind: backend.CPU, Bandwidth: 50e9, ByThreads: map[int]float64{2: 40e9}, MatMat: map[string]float64{"Q4_0": 100e9}},
		"cuda0": {Kind: backend.CUDA, Bandwidth: 2e12, MatMat: map[string]float64{"Q4_0": 200e12}},
	}
	on := func(dev string) plan.Assign { return plan.Assign{Device: dev} }
	w := weights{mainType: quant.Q4_0}
	for _, tc := range []struct {
		name    string
		c       plan.Candidate
		disk    float64
		threads int
		tg, pp  float64
		devices string
		host    bool
	}{
		{"gpu", plan.Candidate{Embed: on("cuda0"), Layers: []plan.Assign{on("cuda0"), on("cuda0"), on("cuda0")}, Output: on("cuda0")}, 0, 2,
			2e12 / (1e3 + 3e7 + 4e6), 0, "cuda0", false}, // a GPU's prompts: no roofline
		{"split", plan.Candidate{Embed: on("cpu"), Layers: []plan.Assign{on("cuda0"), on("cuda0"), on("cpu")}, Output: on("cpu")}, 0, 2,
			1 / (2e7/2e12 + (1e3+1e7+4e6)/40e9), 0, "cpu+cuda0", false},
		{"cpu at 1 thread", plan.Candidate{Embed: on("cpu"), Layers: []plan.Assign{on("cpu"), on("cpu"), on("cpu")}, Output: on("cpu")}, 0, 1,
			50e9 / (1e3 + 3e7 + 4e6), 100e9 / (6e7 + 8e6), "cpu", true},
		{"streamed", plan.Candidate{Embed: on("cpu"), Layers: []plan.Assign{on("cpu"), {Device: "cpu", Streamed: true}, on("cpu")}, Output: on("cpu")}, 1e9, 2,
			1 / ((1e3+2e7+4e6)/40e9 + 1e7/1e9), 100e9 / (6e7 + 8e6), "cpu", true},
	} {
		p := &plan.Plan{Candidate: &tc.c, Options: plan.Options{DiskRead: tc.disk}}
		tg, note := placedRoofline(p, parts, profiles, tc.threads, "tg", w)
		pp, _ := placedRoofline(p, parts, profiles, tc.threads, "pp", w)
		if math.Abs(tg-tc.tg) > 1e-9*tc.tg || math.Abs(pp-tc.pp) > 1e-9*tc.pp || note == "" || (pp == 0) != (tc.pp == 0) {
			t.Errorf("%s: tg %g (%s), pp %g; want %g, %g", tc.name, tg, note, pp, tc.tg, tc.pp)
		}
		if devs, host := placedOn(&tc.c); devs != tc.devices || host != tc.host {
			t.Errorf("%s: placed on %q (host %v), want %q (%v)", tc.name, devs, host, tc.devices, tc.host)
		}
	}
	// a device without a calibration: no roofline
	c := plan.Candidate{Embed: on("cuda1"), Layers: []plan.Assign{on("cuda1")}, Output: on("cuda1")}
	if tg, note := placedRoofline(&plan.Plan{Candidate: &c}, parts, profiles, 2, "tg", w); tg != 0 || note != "" {
		t.Errorf("uncalibrated device: roofline %g (%s)", tg, note)
	}
}
