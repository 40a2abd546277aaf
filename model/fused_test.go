package model_test

import (
	"context"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
)

// fusedDev is a device with the fused ops (backend.AddNormer,
// backend.RoPEStorer), made of its plain ops in the order the interfaces
// document, counting the calls: the model's fused path on the CPU.
type fusedDev struct {
	backend.Device
	addNorms, ropeStores int
}

func (d *fusedDev) AddRMSNorm(x, y, dst, w *backend.Tensor, eps float32) error {
	d.addNorms++
	if err := d.Add(x, x, y); err != nil {
		return err
	}
	return d.RMSNorm(dst, x, w, eps)
}

func (d *fusedDev) RoPEStore(q, k, v, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	d.ropeStores++
	if err := d.RoPE(q, a.Heads, r, b); err != nil {
		return err
	}
	if err := d.RoPE(k, a.KVHeads, r, b); err != nil {
		return err
	}
	return d.StoreKV(kc, vc, k, v, b)
}

// TestFusedPath runs a prompt and greedy decode steps through the plain
// ops and through the fused ones, on one device and split over two
// (where the pending residual must be added before it moves), and
// requires the same logits, bit for bit, with the fused ops called as
// often as the layers need them.
func TestFusedPath(t *testing.T) {
	f, err := gguf.Open(testdata.Path(t, "synth-tiny", "synth-tiny-Q8_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := model.ReadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	prompt := []int32{1, 403, 407, 261, 378, 300, 17}
	const steps = 6
	run := func(p model.Placement) [][]float32 {
		m, err := model.Load(f, p)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		s, err := m.NewSequence(len(prompt) + steps)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Free()
		var out [][]float32
		input := prompt
		for range steps {
			logits, err := s.Append(context.Background(), input, 0)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, append([]float32(nil), logits...))
			input = []int32{argmax(logits)}
		}
		return out
	}
	want := run(model.OnDevice(cpu.New(2), c.Layers))
	one := &fusedDev{Device: cpu.New(2)}
	a, b := &fusedDev{Device: cpu.New(2)}, &fusedDev{Device: cpu.New(2)}
	split := model.Placement{Embed: a, Output: b, Layers: []backend.Device{a, b}}
	if len(split.Layers) != c.Layers {
		t.Fatalf("synth-tiny has %d layers, the split placement 2", c.Layers)
	}
	for _, tc := range []struct {
		name string
		p    model.Placement
		devs []*fusedDev
		// add-norms a step on each device: layer attention norms after
		// the first, and feed-forward norms; the output norm in decode
		// steps (every row wanted) on the output device, the last
		addNorms []int
	}{
		{"one device", model.OnDevice(one, c.Layers), []*fusedDev{one}, []int{2*c.Layers - 1}},
		{"split", split, []*fusedDev{a, b}, []int{1, 1}},
	} {
		got := run(tc.p)
		for step := range steps {
			if d := maxDiff(got[step], want[step]); d != 0 {
				t.Errorf("%s: step %d: fused logits differ from the plain ones by %g", tc.name, step, d)
			}
		}
		for i, d := range tc.devs {
			want := steps * tc.addNorms[i]
			if i == len(tc.devs)-1 {
				want += steps - 1 // the prompt step wants its last row only
			}
			layers := steps * c.Layers / len(tc.devs)
			if d.addNorms != want || d.ropeStores != layers {
				t.Errorf("%s: device %d: %d add-norms and %d rope-stores in %d steps, want %d and %d",
					tc.name, i, d.addNorms, d.ropeStores, steps, want, layers)
			}
		}
	}
}
