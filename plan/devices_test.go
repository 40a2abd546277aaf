package plan

import (
	"strings"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/device"
	"github.com/tern-llm/tern/quant"
)

func TestBudget(t *testing.T) {
	tests := []struct {
		name string
		d    Device
		o    Options
		want uint64
	}{
		{"default margin: 5% of total", Device{Name: "cpu", Free: 16 * gib, Total: 64 * gib}, Options{}, 16*gib - 64*gib/20},
		{"margin at least 256 MiB", Device{Name: "cpu", Free: 1 * gib, Total: 2 * gib}, Options{}, 1*gib - 256*mib},
		{"no margin", Device{Name: "cpu", Free: 1 * gib, Total: 2 * gib}, Options{MarginFraction: -1}, 1 * gib},
		{"free below the margin", Device{Name: "cuda0", Free: 100 * mib, Total: 24 * gib}, Options{}, 0},
		{"device limit", Device{Name: "cuda0", Free: 20 * gib, Total: 24 * gib}, Options{Limits: Limits{Device: map[string]uint64{"cuda0": 4 * gib}}}, 4 * gib},
		{"another device's limit", Device{Name: "cpu", Free: 2 * gib, Total: 4 * gib}, Options{MarginFraction: -1, Limits: Limits{Device: map[string]uint64{"cuda0": 1}}}, 2 * gib},
		{"total limit", Device{Name: "cpu", Free: 20 * gib, Total: 24 * gib}, Options{Limits: Limits{Total: 300 * mib}}, 300 * mib},
	}
	for _, tc := range tests {
		if got := Budget(&tc.d, tc.o); got != tc.want {
			t.Errorf("%s: Budget = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestFromAndWriteDevices(t *testing.T) {
	found := []*device.Device{
		{Name: "cpu", Kind: backend.CPU, Model: "Test CPU", Cores: 8, Features: []string{"avx2", "fma"},
			ReadMemory: func() (device.Memory, error) {
				return device.Memory{Total: 32 * gib, Free: 20 * gib, CgroupLimit: 32 * gib, CgroupWorking: 1 * gib}, nil
			}},
		{Name: "cuda0", Kind: backend.CUDA, Model: "Test GPU", Cores: 132, Compute: "9.0",
			ReadMemory: func() (device.Memory, error) { return device.Memory{Total: 80 * gib, Free: 79 * gib}, nil }},
	}
	profiles := map[string]*calibrate.Profile{"cpu": cpuSpeeds()}
	devs, err := FromDevices(found, profiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 || devs[0].Free != 20*gib || devs[0].Speeds == nil || devs[1].Speeds != nil || devs[1].Total != 80*gib {
		t.Fatalf("devices %+v", devs)
	}
	if !devs[0].supports(quant.Q4_K) || devs[0].supports(quant.IQ2_XXS) {
		t.Error("the CPU's kernels: want Q4_K, not IQ2_XXS")
	}
	var b strings.Builder
	if err := WriteDevices(&b, found, profiles, Options{Limits: Limits{Total: 8 * gib}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Test CPU", "Test GPU", "32GiB", "20GiB", "8GiB", "50.0 GB/s", "measured", "none",
		"avx2 fma", "compute 9.0", "cgroup limit 32GiB", "cpu weight formats", "Q4_0"} {
		if !strings.Contains(out, want) {
			t.Errorf("devices table lacks %q:\n%s", want, out)
		}
	}
}

func TestModelPlacement(t *testing.T) {
	n := mem8B()
	p, err := Make(n, []Device{cpu(16 * gib), gpu(gpuNeed(n, 5, 2048) + 50*mib)}, noMargin(Options{Context: 2048}))
	if err != nil {
		t.Fatal(err)
	}
	c, g := &fakeBackend{name: "cpu"}, &fakeBackend{name: "cuda0"}
	mp, err := p.ModelPlacement(map[string]backend.Device{"cpu": c, "cuda0": g})
	if err != nil {
		t.Fatal(err)
	}
	if mp.Embed != c || mp.Output != g || len(mp.Layers) != 8 || mp.Layers[2] != c || mp.Layers[3] != g {
		t.Errorf("placement %+v for %s", mp, p.Name)
	}
	if _, err := p.ModelPlacement(map[string]backend.Device{"cpu": c}); err == nil {
		t.Error("no error for a device without a backend")
	}
	s, err := Make(n, []Device{cpu(600 * mib)}, noMargin(Options{Context: 512}))
	if err != nil {
		t.Fatal(err)
	}
	parts := s.StreamedParts()
	if len(parts) != s.Streamed() || parts[len(parts)-1] != 8 {
		t.Errorf("streamed parts %v of %s", parts, s.Name)
	}
}

// fakeBackend is a backend.Device that only has a name.
type fakeBackend struct {
	backend.Device
	name string
}

func (f *fakeBackend) Name() string { return f.name }
