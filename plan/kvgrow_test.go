package plan

import (
	"errors"
	"strings"
	"testing"
)

// TestKVGrowth: growth is granted while the host's free memory, read at
// each ask, holds the blocks (1 MiB each here: 8 layers × 2048 F32
// elements × 16 tokens) beyond the margin; a GPU's layers are not asked.
func TestKVGrowth(t *testing.T) {
	n := mem8B()
	const block = 8 * 2048 * 4 * 16
	if block != 1*mib {
		t.Fatalf("block %d bytes", block)
	}
	cpuOnly, err := Make(n, []Device{cpu(64 * gib)}, noMargin(Options{Context: 2048}))
	if err != nil {
		t.Fatal(err)
	}
	withMargin, err := Make(n, []Device{cpu(64 * gib)}, Options{Context: 2048})
	if err != nil {
		t.Fatal(err)
	}
	// All layers on the GPU: the host holds no KV.
	onGPU, err := Make(n, []Device{cpu(64 * gib), gpu(20 * gib)}, noMargin(Options{Context: 2048}))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range onGPU.Layers {
		if a.Device != "cuda0" {
			t.Fatalf("the GPU plan puts a layer on %s", a.Device)
		}
	}
	total := float64(64 * gib)
	margin := uint64(DefaultMarginFraction * total)
	for _, tc := range []struct {
		name    string
		p       *Plan
		free    uint64
		err     error
		want    int
		granted int
		why     string // a fragment of the reason; "" when all is granted
	}{
		{"plenty", cpuOnly, 1 * gib, nil, 64, 64, ""},
		{"some", cpuOnly, 10*mib + mib/2, nil, 64, 10, "holds 10 more blocks of 1MiB"},
		{"none", cpuOnly, 100 << 10, nil, 64, 0, "cpu free 100KiB (at the plan 64GiB)"},
		{"margin kept", withMargin, margin + 5*mib, nil, 64, 5, "holds 5 more blocks"},
		{"margin only", withMargin, margin, nil, 8, 0, "holds 0 more blocks"},
		{"kv on the GPU", onGPU, 0, nil, 64, 64, ""},
		{"no memory reading", cpuOnly, 0, errors.New("meminfo unreadable"), 64, 0, "meminfo unreadable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &KVGrowth{Plan: tc.p, BlockSize: 16, Devices: func() ([]Device, error) {
				if tc.err != nil {
					return nil, tc.err
				}
				return []Device{cpu(tc.free), gpu(0)}, nil
			}}
			got, why := g.GrowKV(40, tc.want)
			if got != tc.granted {
				t.Errorf("granted %d of %d, want %d (%s)", got, tc.want, tc.granted, why)
			}
			if tc.why == "" && why != "" || !strings.Contains(why, tc.why) {
				t.Errorf("why %q, want it to contain %q", why, tc.why)
			}
		})
	}
	if _, why := (&KVGrowth{Plan: cpuOnly, BlockSize: 0}).GrowKV(1, 1); why == "" {
		t.Error("blocks of 0 tokens: no reason given")
	}
}
