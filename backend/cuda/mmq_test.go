package cuda

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestMQFamilies checks the Go side's mmq.cu kernels against the source's
// MQ_ENTRY lines: the same kernels, with the stages and threads the
// launches size their shared memory and blocks by. A stage count that
// differed would let a kernel read past its shared memory.
func TestMQFamilies(t *testing.T) {
	src, err := os.ReadFile("kernels/mmq.cu")
	if err != nil {
		t.Fatal(err)
	}
	entry := regexp.MustCompile(`(?m)^MQ_ENTRY\((\w+), F_(Q4_0|Q8_0|Q4_K|Q6_K), (\d+), (\d+), (\d+)\)$`)
	entryXQ := regexp.MustCompile(`(?m)^MQ_ENTRY_XQ\((\w+), F_(Q4_0|Q8_0|Q4_K|Q6_K), (\d+), (\d+)\)$`)
	type def struct {
		typ    quant.Type
		tokens int
		shape  mqShape
	}
	want := map[string]def{}
	for _, m := range entry.FindAllStringSubmatch(string(src), -1) {
		bn, _ := strconv.Atoi(m[3])
		st, _ := strconv.Atoi(m[4])
		kg, _ := strconv.Atoi(m[5])
		typ := map[string]quant.Type{"Q4_0": quant.Q4_0, "Q8_0": quant.Q8_0, "Q4_K": quant.Q4_K, "Q6_K": quant.Q6_K}[m[2]]
		want[m[1]] = def{typ, bn, mqShape{st, 128 * kg}}
	}
	for _, m := range entryXQ.FindAllStringSubmatch(string(src), -1) { // 16 tokens
		st, _ := strconv.Atoi(m[3])
		kg, _ := strconv.Atoi(m[4])
		typ := map[string]quant.Type{"Q4_0": quant.Q4_0, "Q8_0": quant.Q8_0, "Q4_K": quant.Q4_K, "Q6_K": quant.Q6_K}[m[2]]
		want[m[1]] = def{typ, 16, mqShape{st, 128 * kg}}
	}
	if len(want) == 0 {
		t.Fatal("no MQ_ENTRY lines in kernels/mmq.cu")
	}
	got := 0
	for _, f := range []mqFamily{mqFamily16, mqFamily32, mqFamily64, mqFamilyXQ} {
		for typ, shape := range f.kern {
			name := f.prefix + mpKernels[typ]
			w, ok := want[name]
			switch {
			case !ok:
				t.Errorf("%s: no MQ_ENTRY", name)
			case w != (def{typ, f.tokens, shape}):
				t.Errorf("%s: Go has %s, %d tokens, %+v; mmq.cu %+v", name, typ, f.tokens, shape, w)
			}
			if s := f.shared(typ); s > 96<<10 {
				t.Errorf("%s: %d bytes of shared memory, more than the 96 KiB every supported GPU gives", name, s)
			}
			got++
		}
	}
	if got != len(want) {
		t.Errorf("mmq.cu defines %d kernels, the Go side launches %d", len(want), got)
	}
}

// TestMQSplits checks the k splits of the few-token products on an H100's
// 132 multiprocessors.
func TestMQSplits(t *testing.T) {
	for _, tc := range []struct {
		tiles, nk, tokens   int
		wantKTiles, wantSpl int
	}{
		{32, 32, 32, 4, 8},    // 8B q, o: 4096×4096
		{112, 32, 32, 16, 2},  // 8B gate, up: 14336×4096
		{32, 112, 32, 14, 8},  // 8B down: 4096×14336
		{32, 32, 64, 8, 4},    // one block a multiprocessor at 64 tokens
		{112, 32, 64, 32, 1},  // enough tiles: no split
		{8, 16, 32, 4, 4},     // short k: splits of at least mmaMinKTiles stages
		{300, 16, 16, 16, 1},  // more tiles than multiprocessors
		{1, 2, 16, 2, 1},      // k of two stages
		{16, 37, 32, 5, 8},    // uneven: the last split shorter
		{2, 1000, 32, 125, 8}, // capped at mqMaxSplits
	} {
		kt, s := mqSplits(tc.tiles, tc.nk, 132, tc.tokens)
		if kt != tc.wantKTiles || s != tc.wantSpl {
			t.Errorf("mqSplits(%d tiles, %d stages, %d tokens) = %d stages × %d splits, want %d × %d", tc.tiles, tc.nk, tc.tokens, kt, s, tc.wantKTiles, tc.wantSpl)
		}
		if (s-1)*kt >= tc.nk || s*kt < tc.nk {
			t.Errorf("mqSplits(%d tiles, %d stages): %d × %d does not cover the stages once", tc.tiles, tc.nk, kt, s)
		}
	}
}

// TestMQFor checks which products mqFor sends to mmq.cu's kernels: Q4_0,
// Q8_0, Q4_K and Q6_K with mqXQMinTokens to 64 tokens, k a multiple of a
// stage, rows 16-byte aligned, on a GPU that loaded the kernel and gives a
// block its shared memory.
func TestMQFor(t *testing.T) {
	d := &Device{kernels: map[string]kernel{}, sharedOptin: 99 << 10}
	for _, f := range []mqFamily{mqFamily16, mqFamily32, mqFamily64, mqFamilyXQ} {
		for typ := range f.kern {
			d.kernels[f.prefix+mpKernels[typ]] = kernel{}
		}
	}
	rs := func(typ quant.Type, k int) int {
		n, err := typ.RowBytes(k)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		name   string
		typ    quant.Type
		n, k   int
		wp     uint64
		want   string // the family's prefix; "" where none takes it
		optin  int
		unload bool
	}{
		{"16 tokens", quant.Q4_0, 16, 4096, 0, "mq16_", 0, false},
		{"17 tokens", quant.Q4_0, 17, 4096, 0, "mq32_", 0, false},
		{"32 tokens", quant.Q8_0, 32, 4096, 0, "mq32_", 0, false},
		{"33 tokens", quant.Q4_K, 33, 4096, 0, "mq64_", 0, false},
		{"64 tokens", quant.Q6_K, 64, 4096, 0, "mq64_", 0, false},
		{"65 tokens", quant.Q4_0, 65, 4096, 0, "", 0, false},
		{"15 tokens", quant.Q4_0, 15, 4096, 0, "mq16x_", 0, false},
		{"K-quant, fewest tokens", quant.Q4_K, mqXQMinTokens, 4096, 0, "mq16x_", 0, false},
		{"K-quant, fewer", quant.Q6_K, mqXQMinTokens - 1, 4096, 0, "", 0, false},
		{"Q4_0, fewest tokens", quant.Q4_0, mqXQMinTokensQ4_0, 4096, 0, "mq16x_", 0, false},
		{"Q4_0, fewer", quant.Q4_0, mqXQMinTokensQ4_0 - 1, 4096, 0, "", 0, false},
		{"F16", quant.F16, 32, 4096, 0, "", 0, false},
		{"Q5_K", quant.Q5_K, 32, 4096, 0, "", 0, false},
		{"k not a multiple of 128", quant.Q8_0, 32, 4000, 0, "", 0, false},
		{"unaligned weights", quant.Q4_0, 32, 4096, 8, "", 0, false},
		{"Q6_K rows not 16-byte multiples", quant.Q6_K, 32, 5632, 0, "", 0, false},
		{"too little shared memory", quant.Q4_0, 32, 4096, 0, "", 48 << 10, false},
		{"kernel not loaded", quant.Q4_0, 32, 4096, 0, "", 0, true},
	} {
		d.sharedOptin = 99 << 10
		if tc.optin != 0 {
			d.sharedOptin = tc.optin
		}
		name := "mq32_q4_0"
		saved := d.kernels[name]
		if tc.unload {
			delete(d.kernels, name)
		}
		f, ok := d.mqFor(tc.typ, tc.n, tc.k, rs(tc.typ, tc.k), tc.wp)
		got := ""
		if ok {
			got = f.prefix
		}
		if got != tc.want {
			t.Errorf("%s: mqFor(%s, %d tokens, k %d) = %q, want %q", tc.name, tc.typ, tc.n, tc.k, got, tc.want)
		}
		d.kernels[name] = saved
	}
}
