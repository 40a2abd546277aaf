package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/device"
	"github.com/tern-llm/tern/plan"
	"github.com/tern-llm/tern/quant"
)

// TestMain points the calibration cache at a temporary directory holding
// a made-up CPU profile, so that the tests plan from known figures and do
// not calibrate (seconds, and more under -race) in every run. Discovery
// skips GPU drivers: the plans these tests check are the CPU's.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "tern-cache-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		os.Setenv("XDG_CACHE_HOME", dir)
		os.Setenv("HOME", dir) // where os.UserCacheDir looks off Linux
		discovery = device.Options{NoGPU: true}
		if err := storeTestProfiles(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}())
}

// storeTestProfiles caches testProfile for the CPU backends the tests
// make (one thread, and one per CPU).
func storeTestProfiles() error {
	found, err := device.Discover(discovery)
	if err != nil {
		return err
	}
	cache, err := calibrate.DefaultCache()
	if err != nil {
		return err
	}
	for _, threads := range []int{0, 1} {
		dev := cpu.New(threads)
		if err := cache.Store(calibrate.Key(dev, found[0]), testProfile(found[0], dev.Threads())); err != nil {
			return err
		}
	}
	return nil
}

// testProfile is a plausible laptop CPU: 20 GB/s, every format read at
// 10 GB/s for one token and computed at 100 GFLOP/s for many, 3 µs per op.
func testProfile(info *device.Device, threads int) *calibrate.Profile {
	p := &calibrate.Profile{Version: calibrate.Version, Device: info.Name, Kind: backend.CPU, Model: info.Model,
		Threads: threads, Bandwidth: 20e9, MatVec: map[string]float64{}, MatMat: map[string]float64{},
		MatMatRows: 64, OpLatency: 3e-6}
	for _, t := range calibrate.DefaultFormats {
		p.MatVec[t.String()] = 10e9
		p.MatMat[t.String()] = 100e9
	}
	return p
}

// TestStreamsOffHost: a plan that streams a part on a GPU is replaced by
// one on the CPU alone (the loader streams from the CPU's mapping only);
// streaming on the CPU, and GPU parts kept resident, are kept.
func TestStreamsOffHost(t *testing.T) {
	devs := []plan.Device{{Name: "cpu", Kind: backend.CPU}, {Name: "cuda0", Kind: backend.CUDA}}
	cpuRes, cpuStr := plan.Assign{Device: "cpu"}, plan.Assign{Device: "cpu", Streamed: true}
	gpuRes, gpuStr := plan.Assign{Device: "cuda0"}, plan.Assign{Device: "cuda0", Streamed: true}
	cases := []struct {
		name          string
		embed, output plan.Assign
		layers        []plan.Assign
		want          bool
	}{
		{"cpu resident", cpuRes, cpuRes, []plan.Assign{cpuRes, cpuRes}, false},
		{"cpu streamed", cpuStr, cpuStr, []plan.Assign{cpuRes, cpuStr}, false},
		{"split resident", cpuRes, gpuRes, []plan.Assign{cpuRes, gpuRes}, false},
		{"split, cpu streamed", cpuStr, gpuRes, []plan.Assign{cpuStr, gpuRes}, false},
		{"gpu layer streamed", cpuRes, gpuRes, []plan.Assign{gpuRes, gpuStr}, true},
		{"gpu output streamed", cpuRes, gpuStr, []plan.Assign{gpuRes, gpuRes}, true},
	}
	for _, c := range cases {
		p := &plan.Plan{Candidate: &plan.Candidate{Embed: c.embed, Output: c.output, Layers: c.layers}, Devices: devs}
		if got := streamsOffHost(p); got != c.want {
			t.Errorf("%s: streamsOffHost %v, want %v", c.name, got, c.want)
		}
	}
	if got := hostOnly(devs); len(got) != 1 || got[0].Name != "cpu" || len(devs) != 2 {
		t.Errorf("hostOnly(%v) = %v", devs, got)
	}
}

// TestCUDASupports: the formats the CUDA backend's package doc lists.
func TestCUDASupports(t *testing.T) {
	for _, c := range []struct {
		t    quant.Type
		want bool
	}{
		{quant.F32, true}, {quant.F16, true}, {quant.BF16, true}, {quant.Q8_0, true}, {quant.Q4_0, true},
		{quant.Q4_K, true}, {quant.Q6_K, true}, {quant.Q5_K, false}, {quant.Q4_1, false}, {quant.IQ4_NL, false},
	} {
		if got := cudaSupports(c.t); got != c.want {
			t.Errorf("cudaSupports(%s) = %v, want %v", c.t, got, c.want)
		}
	}
}
