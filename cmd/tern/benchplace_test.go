package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/plan"
	"github.com/tern-llm/tern/quant"
)

// TestPartsOf checks the placement parts of stories260K against sums made
// here from the tensors' names: a layer each, one row of the embedding
// table, and everything together what a token reads (the file has its own
// output.weight: the table is not read whole).
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
		p := partsOf(f)
		emb, _ := f.Tensor("token_embd.weight")
		var all int64
		layers := make([]int64, c.Layers)
		for i := range f.Tensors {
			tn := &f.Tensors[i]
			all += tn.Size
			for l := range layers {
				if strings.HasPrefix(tn.Name, fmt.Sprintf("blk.%d.", l)) {
					layers[l] += tn.Size
				}
			}
		}
		f.Close()
		if !slices.Equal(p.layers, layers) || len(p.layerFlops) != c.Layers {
			t.Fatalf("%s: layers %v, want %v", name, p.layers, layers)
		}
		if p.embed != emb.Size/int64(c.Vocab) {
			t.Errorf("%s: embedding row %d bytes, want %d", name, p.embed, emb.Size/int64(c.Vocab))
		}
		read := p.embed + p.output
		for _, b := range p.layers {
			read += b
		}
		if want := all - emb.Size + emb.Size/int64(c.Vocab); read != want {
			t.Errorf("%s: parts read %d bytes, want %d", name, read, want)
		}
		for i, fl := range p.layerFlops {
			if fl <= 0 {
				t.Errorf("%s: layer %d: %d flops", name, i, fl)
			}
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
