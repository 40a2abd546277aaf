package engine_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/engine"
	"github.com/tern-llm/tern/internal/testmodel"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/sample"
)

// topkCPU is the CPU with a host-side backend.TopKer, standing in for a GPU
// that selects candidates where the logits are. It counts selections and
// the most rows one selected.
type topkCPU struct {
	backend.Device
	calls, rows atomic.Int64
}

func (d *topkCPU) MaxTopK() int { return maxTopK }

// maxTopK is what topkCPU selects at most.
const maxTopK = 128

func (d *topkCPU) TopK(vals, ids, x *backend.Tensor) error {
	k := vals.Cols
	if k < 1 || k > maxTopK || k > x.Cols {
		return backend.ErrSkip
	}
	d.calls.Add(1)
	if r := int64(x.Rows); r > d.rows.Load() {
		d.rows.Store(r)
	}
	xs := make([]float32, x.Elements())
	if err := d.Download(bytesOf(xs), x); err != nil {
		return err
	}
	vs, is := make([]float32, x.Rows*k), make([]int32, x.Rows*k)
	for r := range x.Rows {
		row := xs[r*x.Cols : (r+1)*x.Cols]
		order := make([]int32, len(row))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortStableFunc(order, func(a, b int32) int {
			switch {
			case row[a] > row[b]:
				return -1
			case row[a] < row[b]:
				return 1
			}
			return 0
		})
		for i, c := range order[:k] {
			vs[r*k+i], is[r*k+i] = row[c], c
		}
	}
	if err := d.Upload(vals, bytesOf(vs)); err != nil {
		return err
	}
	return d.Upload(ids, bytesOf(is))
}

func bytesOf[T float32 | int32](v []T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
}

// startEngine runs an engine over stories260K loaded on dev until the test ends.
func startEngine(t *testing.T, dev backend.Device) *engine.Engine {
	t.Helper()
	_, m := testmodel.Load(t, dev, "stories260K", "stories260K-f32.gguf")
	kv, err := m.NewCache(256, 16, quant.F32)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(m, kv, engine.Config{MaxBatchTokens: 64, MaxContext: 512, IsEOG: func(id int32) bool { return id == 2 }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		kv.Free()
	})
	return e
}

// events reads a stream to its end, keeping every event.
func events(t *testing.T, s *engine.Stream) []engine.Event {
	t.Helper()
	var evs []engine.Event
	for {
		ev, ok := s.Next(context.Background())
		if !ok {
			t.Error("stream ended without a final event")
			return evs
		}
		evs = append(evs, ev)
		if ev.Err != nil || ev.Finish != "" {
			return evs
		}
	}
}

// TestTopKPathMatchesLogits serves the same requests, submitted together,
// from an engine whose model downloads logits (the CPU) and one whose model
// returns candidates selected on its device (topkCPU): greedy and top-k
// sampling, with penalties that lower logits or none, take the candidate
// path; penalties that may raise logits, logprobs, sampling without top-k
// and a top-k past the device's need the logits. Every request must get the same events
// from both, and the candidate path must have been taken, several rows at
// a time.
func TestTopKPathMatchesLogits(t *testing.T) {
	dev := &topkCPU{Device: cpu.New(1)}
	engines := []*engine.Engine{startEngine(t, nil), startEngine(t, dev)}
	var reqs []engine.Request
	params := []sample.Params{
		{},
		{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05},
		{Temperature: 1.3, TopK: 5},
		{Temperature: 0.7, TopK: 64, TopP: 0.5},
		{Temperature: 2, TopK: 2},
		{Temperature: 0.8, TopK: 10, RepeatPenalty: 1.3, FrequencyPenalty: 0.2}, // lowering: 10 + |history| candidates
		{RepeatPenalty: 1.5},
	}
	ps := prompts(12)
	for i, p := range ps {
		sp := params[i%len(params)]
		sp.Seed = uint64(1000 + i)
		reqs = append(reqs, engine.Request{Prompt: p, MaxTokens: 20, Sampling: sp})
	}
	only := len(reqs) // the requests up to here take the candidate path
	reqs = append(reqs,
		engine.Request{Prompt: ps[0], MaxTokens: 20, Sampling: sample.Params{Temperature: 0.8, TopK: 40, RepeatPenalty: 0.8, Seed: 5}}, // raising
		engine.Request{Prompt: ps[1], MaxTokens: 20, Sampling: sample.Params{Temperature: 0.8, TopK: 40, Seed: 6}, Logprobs: true, TopLogprobs: 3},
		engine.Request{Prompt: ps[2], MaxTokens: 20, Sampling: sample.Params{Temperature: 0.9, Seed: 7}},
		engine.Request{Prompt: ps[3], MaxTokens: 20, Sampling: sample.Params{Temperature: 1, TopK: maxTopK + 1, Seed: 8}}, // past MaxTopK
	)
	run := func(reqs []engine.Request) [2][][]engine.Event {
		var got [2][][]engine.Event
		var wg sync.WaitGroup
		for ei, e := range engines {
			got[ei] = make([][]engine.Event, len(reqs))
			for i := range reqs {
				s, err := e.Submit(context.Background(), &reqs[i])
				if err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[ei][i] = events(t, s)
				}()
			}
		}
		wg.Wait()
		return got
	}
	for _, tc := range []struct {
		name string
		reqs []engine.Request
	}{
		{"candidates only", reqs[:only]},
		{"mixed", reqs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := dev.calls.Load()
			got := run(tc.reqs)
			for i := range tc.reqs {
				full, top := got[0][i], got[1][i]
				if fmt.Sprint(full) != fmt.Sprint(top) {
					t.Errorf("request %d (%+v): from candidates %v, from logits %v", i, tc.reqs[i].Sampling, top, full)
				}
				if last := full[len(full)-1]; last.Err != nil || len(full) < 2 {
					t.Errorf("request %d: %d events, last %+v", i, len(full), last)
				}
			}
			if dev.calls.Load() == calls {
				t.Error("no step took the candidate path")
			}
		})
	}
	if dev.rows.Load() < 2 {
		t.Errorf("the candidate path served at most %d rows in a step, want several", dev.rows.Load())
	}
}

// TestTopKPathAlone: the candidate path gives one request the tokens the
// logits give it, alone and under the race detector's eye on the engine.
func TestTopKPathAlone(t *testing.T) {
	dev := &topkCPU{Device: cpu.New(1)}
	engines := []*engine.Engine{startEngine(t, nil), startEngine(t, dev)}
	for _, p := range []sample.Params{{}, {Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, Seed: 3}} {
		var got [2][]int32
		for i, e := range engines {
			s, err := e.Submit(context.Background(), &engine.Request{Prompt: prompts(3)[2], MaxTokens: 48, Sampling: p})
			if err != nil {
				t.Fatal(err)
			}
			got[i], _ = collect(t, s)
		}
		if !slices.Equal(got[0], got[1]) || len(got[0]) == 0 {
			t.Errorf("%+v: from candidates %v, from logits %v", p, got[1], got[0])
		}
	}
	if dev.calls.Load() == 0 {
		t.Error("the candidate path was not taken")
	}
}
