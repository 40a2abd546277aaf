package device

import (
	"testing"
)

// TestDiscoverHere runs the real discovery: the CPU is always found, with
// memory that makes sense; GPUs may or may not be.
func TestDiscoverHere(t *testing.T) {
	devs, err := Discover(Options{})
	if err != nil {
		t.Logf("GPU discovery: %v", err)
	}
	if len(devs) == 0 || devs[0].Name != "cpu" {
		t.Fatalf("devices %v: want the cpu first", devs)
	}
	for _, d := range devs {
		m, err := d.Memory()
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if m.Total == 0 || m.Free > m.Total {
			t.Errorf("%s: memory %+v: want 0 < free ≤ total", d.Name, m)
		}
		t.Logf("%s %q cores %d %v: total %s free %s", d.Name, d.Model, d.Cores, d.Features, FormatBytes(m.Total), FormatBytes(m.Free))
	}
}
