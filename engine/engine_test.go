package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tern-llm/tern/engine"
	"github.com/tern-llm/tern/internal/testmodel"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/sample"
)

// setup loads stories260K and starts an engine over a cache of blocks blocks.
func setup(t *testing.T, blocks int, cfg engine.Config) (*engine.Engine, *model.Model) {
	return setupRun(t, blocks, cfg, true)
}

func setupRun(t *testing.T, blocks int, cfg engine.Config, run bool) (*engine.Engine, *model.Model) {
	t.Helper()
	_, m := testmodel.Load(t, nil, "stories260K", "stories260K-f32.gguf")
	kv, err := m.NewCache(blocks, 16, quant.F32)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxContext == 0 {
		cfg.MaxContext = 512
	}
	cfg.IsEOG = func(id int32) bool { return id == 2 }
	e, err := engine.New(m, kv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if run {
		go func() { done <- e.Run(ctx) }()
	} else {
		done <- nil
	}
	t.Cleanup(func() {
		cancel()
		<-done
		kv.Free()
	})
	return e, m
}

// collect reads a stream to its end.
func collect(t *testing.T, s *engine.Stream) ([]int32, engine.Event) {
	t.Helper()
	var ids []int32
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		ev, ok := s.Next(ctx)
		if !ok {
			t.Fatal("stream ended without a final event")
		}
		if ev.Err != nil {
			t.Fatalf("request failed: %v", ev.Err)
		}
		if ev.Token >= 0 {
			ids = append(ids, ev.Token)
		}
		if ev.Finish != "" {
			return ids, ev
		}
	}
}

// prompts are token sequences of varied lengths made from the vocabulary.
func prompts(n int) [][]int32 {
	out := make([][]int32, n)
	for i := range out {
		p := []int32{1}
		for j := 0; j < 3+i*7%40; j++ {
			p = append(p, int32(3+(i*31+j*17)%500))
		}
		out[i] = p
	}
	return out
}

// TestBatchInvariance: 32 concurrent greedy requests get exactly the tokens
// each gets alone.
func TestBatchInvariance(t *testing.T) {
	e, _ := setup(t, 256, engine.Config{MaxBatchTokens: 64})
	ps := prompts(32)
	alone := make([][]int32, len(ps))
	for i, p := range ps {
		s, err := e.Submit(context.Background(), &engine.Request{Prompt: p, MaxTokens: 24})
		if err != nil {
			t.Fatal(err)
		}
		alone[i], _ = collect(t, s)
	}
	together := make([][]int32, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		s, err := e.Submit(context.Background(), &engine.Request{Prompt: p, MaxTokens: 24})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			together[i], _ = collect(t, s)
		}()
	}
	wg.Wait()
	for i := range ps {
		if fmt.Sprint(alone[i]) != fmt.Sprint(together[i]) {
			t.Errorf("request %d: alone %v, batched %v", i, alone[i], together[i])
		}
	}
	if st := e.Stats(); st.BlocksUsed != 0 || st.Running != 0 || st.Waiting != 0 {
		t.Errorf("after all requests: %+v", st)
	}
}

// TestPreemption: a cache too small for all requests at once forces
// preemption; every request still gets the tokens it gets alone.
func TestPreemption(t *testing.T) {
	e, _ := setup(t, 12, engine.Config{MaxBatchTokens: 64})
	ps := prompts(8)
	want := make([][]int32, len(ps))
	for i, p := range ps {
		s, err := e.Submit(context.Background(), &engine.Request{Prompt: p, MaxTokens: 40})
		if err != nil {
			t.Fatal(err)
		}
		want[i], _ = collect(t, s)
	}
	streams := make([]*engine.Stream, len(ps))
	for i, p := range ps {
		var err error
		if streams[i], err = e.Submit(context.Background(), &engine.Request{Prompt: p, MaxTokens: 40}); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range streams {
		got, _ := collect(t, s)
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("request %d after preemption: %v, want %v", i, got, want[i])
		}
	}
	if st := e.Stats(); st.Preemptions == 0 {
		t.Errorf("no preemption happened with 12 blocks for 8 requests: %+v", st)
	}
}

// TestPrefixCache: a second request sharing a long prefix finds it cached.
func TestPrefixCache(t *testing.T) {
	e, _ := setup(t, 128, engine.Config{})
	long := prompts(40)[39]
	for len(long) < 100 {
		long = append(long, long[1:]...)
	}
	long = long[:100]
	s, err := e.Submit(context.Background(), &engine.Request{Prompt: long, MaxTokens: 4})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := collect(t, s)
	before := e.Stats()
	s, err = e.Submit(context.Background(), &engine.Request{Prompt: long, MaxTokens: 4})
	if err != nil {
		t.Fatal(err)
	}
	second, last := collect(t, s)
	after := e.Stats()
	if hits := after.PrefixHits - before.PrefixHits; hits != 96 {
		t.Errorf("prefix hits %d, want 96 (six full blocks of the 100-token prompt)", hits)
	}
	if last.CachedTokens != 96 {
		t.Errorf("cached tokens %d, want 96", last.CachedTokens)
	}
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Errorf("cached prefix changed the output: %v then %v", first, second)
	}
}

// TestCancel: a cancelled request ends with its context's error and frees
// its blocks.
func TestCancel(t *testing.T) {
	e, _ := setup(t, 64, engine.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := e.Submit(ctx, &engine.Request{Prompt: prompts(1)[0], MaxTokens: 400, Sampling: sample.Params{Temperature: 1, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Next(context.Background()); !ok {
		t.Fatal("no first token")
	}
	cancel()
	for {
		ev, ok := s.Next(context.Background())
		if !ok {
			t.Fatal("stream closed without an error event")
		}
		if ev.Err != nil {
			if !errors.Is(ev.Err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", ev.Err)
			}
			break
		}
	}
	if st := e.Stats(); st.BlocksUsed != 0 || st.Running != 0 {
		t.Errorf("after cancel: %d blocks used, %d running", st.BlocksUsed, st.Running)
	}
}

// TestSubmitErrors: bad requests fail at once with a clear error.
func TestSubmitErrors(t *testing.T) {
	e, _ := setupRun(t, 4, engine.Config{MaxContext: 100, MaxQueue: 1}, false)
	for _, tc := range []struct {
		name string
		req  engine.Request
		want error
	}{
		{"empty prompt", engine.Request{}, nil},
		{"prompt past context", engine.Request{Prompt: make([]int32, 100)}, engine.ErrTooLong},
		{"max tokens past context", engine.Request{Prompt: []int32{1}, MaxTokens: 100}, engine.ErrTooLong},
		{"more blocks than the cache", engine.Request{Prompt: []int32{1}, MaxTokens: 70}, engine.ErrTooLong},
		{"bad sampling", engine.Request{Prompt: []int32{1}, Sampling: sample.Params{Temperature: -1}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Submit(context.Background(), &tc.req)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// the engine is not running: the first request waits, the second finds the queue full
	if _, err := e.Submit(context.Background(), &engine.Request{Prompt: []int32{1}, MaxTokens: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Submit(context.Background(), &engine.Request{Prompt: []int32{1}, MaxTokens: 1}); !errors.Is(err, engine.ErrQueueFull) {
		t.Errorf("second request: %v, want ErrQueueFull", err)
	}
}
