package stream

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/budget"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

// The test model: a small llama in F32, its layers (3.75 MiB) larger than
// the 2 MiB folios a kernel may map at once, small enough to run under the
// race detector.
const (
	tmDim, tmLayers, tmHeads, tmKVHeads, tmFFN, tmVocab = 256, 6, 4, 2, 1024, 512
	tmLayerBytes                                        = 4 * (2*tmDim*tmDim + 2*tmDim*tmDim*tmKVHeads/tmHeads + 3*tmDim*tmFFN + 2*tmDim)
)

// writeModel writes the test model with N(0, 0.05²) weights to path.
func writeModel(t *testing.T, path string) {
	t.Helper()
	w := gguf.NewWriter()
	for _, kv := range []struct {
		k string
		v any
	}{
		{"general.architecture", "llama"}, {"llama.embedding_length", uint32(tmDim)}, {"llama.block_count", uint32(tmLayers)},
		{"llama.attention.head_count", uint32(tmHeads)}, {"llama.attention.head_count_kv", uint32(tmKVHeads)},
		{"llama.feed_forward_length", uint32(tmFFN)}, {"llama.context_length", uint32(256)}, {"llama.vocab_size", uint32(tmVocab)},
	} {
		if err := w.Set(kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	add := func(name string, rows, cols int) {
		b := make([]byte, 4*rows*cols)
		for i := 0; i < rows*cols; i++ {
			v := float32(1)
			if rows > 1 {
				v = float32(r.NormFloat64() * 0.05)
			}
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		shape := []int{cols, rows}
		if rows == 1 {
			shape = []int{cols}
		}
		if err := w.AddTensorData(name, quant.F32, shape, b); err != nil {
			t.Fatal(err)
		}
	}
	kv := tmDim * tmKVHeads / tmHeads
	add("token_embd.weight", tmVocab, tmDim)
	for l := 0; l < tmLayers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		add(p+"attn_norm.weight", 1, tmDim)
		add(p+"attn_q.weight", tmDim, tmDim)
		add(p+"attn_k.weight", kv, tmDim)
		add(p+"attn_v.weight", kv, tmDim)
		add(p+"attn_output.weight", tmDim, tmDim)
		add(p+"ffn_norm.weight", 1, tmDim)
		add(p+"ffn_gate.weight", tmFFN, tmDim)
		add(p+"ffn_up.weight", tmFFN, tmDim)
		add(p+"ffn_down.weight", tmDim, tmFFN)
	}
	add("output_norm.weight", 1, tmDim)
	add("output.weight", tmVocab, tmDim)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	if _, err := w.WriteTo(bw); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// generate decodes 2 greedy tokens after a prompt on d and returns them
// with the last logits.
func generate(t *testing.T, f *gguf.File, d backend.Device) ([]int32, []float32) {
	t.Helper()
	m, err := model.Load(f, model.OnDevice(d, tmLayers))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSequence(64)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	logits, err := s.Append(context.Background(), []int32{1, 17, 300, 42}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var toks []int32
	for i := 0; i < 2; i++ {
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
	return toks, append([]float32(nil), logits...)
}

// watchRSS samples the resident bytes of the mapping of path until the
// returned function is called, which samples once more and returns the
// highest rise.
func watchRSS(t *testing.T, path string, stop chan struct{}) func() int64 {
	base := mappedRSS(t, path)
	var peak atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if v := mappedRSS(t, path); v-base > peak.Load() {
				peak.Store(v - base)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return func() int64 {
		close(stop)
		wg.Wait()
		// and once more now: on a busy machine the sampler may not have run
		// while the model did, and what the run left resident still counts
		return max(peak.Load(), mappedRSS(t, path)-base)
	}
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

// TestStreamedModel runs the test model with every layer and the output
// head streamed through Device and compares with the model run resident:
// the same tokens and logits, with the model's resident pages (its
// mapping's Rss in /proc/self/smaps, sampled while it runs) held to about
// two parts (the one running and the one prefetched), not the whole model.
func TestStreamedModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	writeModel(t, path)
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dev := cpu.New(2)
	parts := make([]int, tmLayers+1)
	for i := range parts {
		parts[i] = i
	}
	regions, err := Regions(f, tmLayers, parts)
	if err != nil {
		t.Fatal(err)
	}
	// Start cold: no page of the model in this process.
	dropAll := func() {
		q := New(regions, nil)
		for part := range regions {
			q.advise(part, adviseDontNeed)
		}
	}

	// Resident, from cold: every page comes in (so the measurement can fail).
	dropAll()
	stop := watchRSS(t, path, make(chan struct{}))
	wantToks, wantLogits := generate(t, f, dev)
	held := stop()
	// Two layers, a 2 MiB folio at each end of the window, and 1 MiB for
	// the embedding rows read and page edges: what the streamed run may hold.
	limit := int64(2*tmLayerBytes + 4<<20 + 1<<20)
	// The resident run must rise above that limit, or the check of the
	// streamed run below could not fail. (It need not reach the whole
	// model: pages of it may be resident before it starts.)
	if held <= limit {
		t.Errorf("resident run: resident pages rose by only %d KiB, not above the streamed limit of %d KiB", held>>10, limit>>10)
	}

	// Streamed, from cold, through a budget.
	dropAll()
	acct := budget.New("cpu", 1<<30)
	base := budget.Wrap(dev, acct)
	streamedView, err := budget.As(base, budget.Streamed)
	if err != nil {
		t.Fatal(err)
	}
	p := New(regions, acct)
	p.Overlap = true // two layers in the window, which the budget check below expects
	sd, err := NewDevice(base, p, streamedView.(backend.HostMapper))
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := f.Tensor("token_embd.weight")
	sd.AddLazy(f.Data(emb))
	stop = watchRSS(t, path, make(chan struct{}))
	toks, logits := generate(t, f, sd)
	peak := stop()
	sd.Close()
	for i := range wantToks {
		if toks[i] != wantToks[i] {
			t.Fatalf("streamed tokens %v, resident %v", toks, wantToks)
		}
	}
	for i := range wantLogits {
		if logits[i] != wantLogits[i] {
			t.Fatalf("logit %d: streamed %g, resident %g", i, logits[i], wantLogits[i])
		}
	}
	if u := acct.Usage(); u.By[budget.Streamed] != 0 || u.Peak < 2*tmLayerBytes || u.Peak > 2*tmLayerBytes+1<<20 {
		t.Errorf("budget after the run: %+v; want the window released, and a peak of two layers and the activations (no weight charged as resident)", u)
	}
	t.Logf("resident run: +%d KiB; streamed: +%d KiB (limit %d KiB, model %d KiB)", held>>10, peak>>10, limit>>10, (tmLayers*tmLayerBytes)>>10)
	if peak > limit {
		t.Errorf("resident pages of the model rose by %d KiB, want at most %d KiB", peak>>10, limit>>10)
	}
}

// mappedRSS reads from /proc/self/smaps the resident bytes of the
// mappings of the file at path.
func mappedRSS(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	var total int64
	in := false
	for _, line := range splitLines(string(data)) {
		f := strings.Fields(line)
		if len(f) >= 6 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			in = f[len(f)-1] == path
			continue
		}
		if in && len(f) >= 2 && f[0] == "Rss:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			total += kb << 10
		}
	}
	return total
}
