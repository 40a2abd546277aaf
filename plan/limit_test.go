package plan

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	cpubackend "github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/budget"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/stream"
)

// TestMemoryLimitRun is the real run: a ~0.9 GB model (random
// Q8_0 weights) planned under --memory-limit 300MiB, loaded through the
// budget with its streamed parts paged by package stream, decodes the same
// tokens as the model without a limit, with the process's resident memory
// under the limit plus its baseline; it logs decode speed against the
// plan's prediction. It writes a large file and takes a minute, so it
// runs only when asked (TERN_LIMIT_CHECK=1).
func TestMemoryLimitRun(t *testing.T) {
	if os.Getenv("TERN_LIMIT_CHECK") == "" {
		t.Skip("set TERN_LIMIT_CHECK=1 to run a 0.9 GB model under a 300 MiB limit")
	}
	const limit = 300 << 20
	path := filepath.Join(t.TempDir(), "big-Q8_0.gguf")
	if err := writeRandomLlama(path, 2048, 16, 16, 4, 5632, 32000); err != nil {
		t.Fatal(err)
	}
	dev := cpubackend.New(0)
	prof, err := calibrate.Device(context.Background(), dev, "", calibrate.Options{Formats: []quant.Type{quant.F32, quant.Q8_0}})
	if err != nil {
		t.Fatal(err)
	}
	disk, err := calibrate.MeasureDisk(path, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := NeedsFromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	free, total := hostMem(t)
	cpuDev := Device{Name: "cpu", Kind: backend.CPU, Free: free, Total: total, Speeds: prof, Supports: CPUSupports}
	o := Options{Context: 256, Limits: Limits{Total: limit}}
	o.DiskRead = disk.Rate(n.Bytes(), free-Budget(&cpuDev, o))
	p, err := Make(n, []Device{cpuDev}, o)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	p.Explain(&b)
	t.Logf("disk cold %.2f GB/s, cached %.2f GB/s\n%s", disk.Read/1e9, disk.Cached/1e9, b.String())

	prompt := []int32{1, 400, 300, 200, 100, 50, 60, 70}
	const steps = 8
	debug.FreeOSMemory() // the calibration's buffers go back before the baseline
	baseline := vmRSS(t)

	// Under the limit, as planned.
	acct := budget.New("cpu", use(p, "cpu").Budget)
	base := budget.Wrap(dev, acct)
	view, err := budget.As(base, budget.Streamed)
	if err != nil {
		t.Fatal(err)
	}
	regions, err := stream.Regions(f, len(n.Layers), p.StreamedParts())
	if err != nil {
		t.Fatal(err)
	}
	pf := stream.New(regions, acct)
	sd, err := stream.NewDevice(base, pf, view.(backend.HostMapper))
	if err != nil {
		t.Fatal(err)
	}
	if p.Embed.Streamed {
		emb, _ := f.Tensor("token_embd.weight")
		sd.AddLazy(f.Data(emb))
	}
	mp, err := p.ModelPlacement(map[string]backend.Device{"cpu": sd})
	if err != nil {
		t.Fatal(err)
	}
	peak := sampleRSS()
	limited, rate := greedy(t, f, mp, p.Context, p.PrefillChunk, prompt, steps)
	high := peak()
	sd.Close()
	t.Logf("limited: peak RSS %d MiB over a baseline of %d MiB (limit %d MiB); budget %s",
		(high-baseline)>>20, baseline>>20, limit>>20, acct)
	t.Logf("limited: decode %.2f tok/s measured, %.2f tok/s predicted (ratio %.2f)", rate, p.Decode, p.Decode/rate)
	// What the engine does after a pass: re-plan with the streaming speed
	// the prefetcher saw.
	o.DiskRead = pf.Rate()
	if q, err := Make(n, []Device{cpuDev}, o); err == nil {
		t.Logf("limited: prefetch ran at %.2f GB/s; re-planned %s at %.2f tok/s (ratio %.2f)", o.DiskRead/1e9, q.Name, q.Decode, q.Decode/rate)
	}

	// Without a limit, resident.
	full, fullRate := greedy(t, f, model.OnDevice(dev, len(n.Layers)), p.Context, 0, prompt, steps)
	t.Logf("unlimited: decode %.2f tok/s", fullRate)
	for i := range full {
		if limited[i] != full[i] {
			t.Fatalf("tokens under the limit %v, without %v", limited, full)
		}
	}
	if high-baseline > limit {
		t.Errorf("peak RSS rose %d MiB over the baseline, over the %d MiB limit", (high-baseline)>>20, limit>>20)
	}
}

// greedy loads the model on mp and decodes steps greedy tokens after the
// prompt (prefilled in chunks of chunk), returning the tokens and the
// decode speed.
func greedy(t *testing.T, f *gguf.File, mp model.Placement, ctxLen, chunk int, prompt []int32, steps int) ([]int32, float64) {
	m, err := model.Load(f, mp)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSequence(ctxLen)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	logits, err := s.Append(context.Background(), prompt, chunk)
	if err != nil {
		t.Fatal(err)
	}
	var toks []int32
	start := time.Now()
	for i := 0; i < steps; i++ {
		best := 0
		for j, v := range logits {
			if v > logits[best] {
				best = j
			}
		}
		toks = append(toks, int32(best))
		if logits, err = s.Append(context.Background(), []int32{int32(best)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	return toks, float64(steps) / time.Since(start).Seconds()
}

// vmRSS reads the process's resident memory from /proc/self/status.
func vmRSS(t *testing.T) int64 {
	v, ok := readVmRSS()
	if !ok {
		t.Skip("no VmRSS in /proc/self/status")
	}
	return v
}

func readVmRSS() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// sampleRSS samples VmRSS every millisecond until the returned function
// is called, which returns the highest.
func sampleRSS() func() int64 {
	var high atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if v, ok := readVmRSS(); ok && v > high.Load() {
				high.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() int64 { close(stop); wg.Wait(); return high.Load() }
}

// hostMem reads MemAvailable and MemTotal.
func hostMem(t *testing.T) (free, total uint64) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseUint(f[1], 10, 64)
		switch f[0] {
		case "MemTotal:":
			total = v << 10
		case "MemAvailable:":
			free = v << 10
		}
	}
	return free, total
}
