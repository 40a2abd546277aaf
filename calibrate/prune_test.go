package calibrate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/device"
)

// TestPrune fills a cache with old files, calibrates one device, and
// checks what the cache keeps: the KeepProfiles newest profiles of each
// device (the new one and the one just used among them), disk measurements
// of this version, fresh temporary files, and files it does not know.
func TestPrune(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	dir := filepath.Join(c.Dir, "calibration")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	put := func(name string, age time.Duration) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	// KeepProfiles+2 old calibrations of cuda0 (hours 1.. old) and two of cpu.
	for i := 1; i <= KeepProfiles+2; i++ {
		put(fmt.Sprintf("cuda0-%016x.json", i), time.Duration(i)*time.Hour)
	}
	put("cpu-00000000000000aa.json", 10*time.Hour)
	put("cpu-00000000000000bb.json", 11*time.Hour)
	put(fmt.Sprintf("disk-v%d-803.json", Version), 20*time.Hour)
	put(fmt.Sprintf("disk-v%d-803.json", Version-1), time.Hour)
	put(".tmp-123", 2*staleTemp)
	put(".tmp-456", time.Minute)
	put("notes.txt", 30*time.Hour)
	put("cuda0-short.json", 30*time.Hour) // not a key: its hash is not 16 hex digits

	// The oldest cuda0 calibration is used (and so kept), then another
	// build of cuda0 is calibrated.
	used := fmt.Sprintf("cuda0-%016x", KeepProfiles+2)
	stored := &Profile{Version: Version, Device: "cuda0", Kind: backend.CUDA, Bandwidth: 1}
	if err := c.Store(used, stored); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(dir, used+".json"), now.Add(-100*time.Hour), now.Add(-100*time.Hour)); err != nil {
		t.Fatal(err)
	}
	d := &selfCalibrating{}
	info := &device.Device{Name: "cuda0", Kind: backend.CUDA, Model: "Fake GPU", Cores: 132}
	// Get of a cached key touches it: make `used` that key's file.
	key := Key(d, info)
	if err := os.Rename(filepath.Join(dir, used+".json"), filepath.Join(dir, key+".json")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), d, info, false, Options{}); err != nil || d.calls != 0 {
		t.Fatalf("cached Get: calls %d, %v", d.calls, err)
	}
	info.Model = "Other GPU" // a new key: measured, stored, pruned
	newKey := Key(d, info)
	if _, err := c.Get(context.Background(), d, info, false, Options{}); err != nil || d.calls != 1 {
		t.Fatalf("new Get: calls %d, %v", d.calls, err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{
		".tmp-456",
		"cpu-00000000000000aa.json", "cpu-00000000000000bb.json",
		"cuda0-short.json",
		fmt.Sprintf("disk-v%d-803.json", Version),
		key + ".json", newKey + ".json",
		"notes.txt",
	}
	for i := 1; i <= KeepProfiles-2; i++ { // the newest old ones, with the used and the new one
		want = append(want, fmt.Sprintf("cuda0-%016x.json", i))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("cache holds\n%q\nwant\n%q", got, want)
	}
}

func TestProfileDevice(t *testing.T) {
	for _, c := range []struct {
		key, dev string
		ok       bool
	}{
		{"cpu-0123456789abcdef", "cpu", true},
		{"cuda10-0123456789abcdef", "cuda10", true},
		{"my-gpu-0123456789abcdef", "my-gpu", true},
		{"cpu-0123456789abcde", "", false},
		{"cpu-0123456789abcdeX", "", false},
		{"-0123456789abcdef", "", false},
		{"disk-v6-803", "", false},
	} {
		dev, ok := profileDevice(c.key)
		if dev != c.dev || ok != c.ok {
			t.Errorf("profileDevice(%q) = %q, %v; want %q, %v", c.key, dev, ok, c.dev, c.ok)
		}
	}
	for _, c := range []struct {
		key string
		v   int
		ok  bool
	}{{"disk-v6-803", 6, true}, {"disk-v12-1", 12, true}, {"disk-vx-1", 0, false}, {"disk-v6", 0, false}, {"cpu-0123456789abcdef", 0, false}} {
		v, ok := diskVersion(c.key)
		if v != c.v || ok != c.ok {
			t.Errorf("diskVersion(%q) = %d, %v; want %d, %v", c.key, v, ok, c.v, c.ok)
		}
	}
}
