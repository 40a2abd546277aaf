package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/device"
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
