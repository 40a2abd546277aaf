package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tern-llm/tern/engine"
)

// memDevice is a simulated device's free memory in blocks, which "another
// process" takes after the first growth the engine is granted.
type memDevice struct {
	mu        sync.Mutex
	free      int // blocks' worth of free memory
	takeAfter int // free memory once the first growth is granted
	asks      []string
}

func (d *memDevice) GrowKV(active, want int) (int, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	got := min(want, d.free)
	d.asks = append(d.asks, fmt.Sprintf("%d+%d→%d", active, want, got))
	d.free -= got
	why := ""
	if got < want {
		why = fmt.Sprintf("free memory holds %d blocks", d.free)
	}
	if got > 0 {
		d.free = d.takeAfter // another process takes memory between two growths
	}
	return got, why
}

// syncBuffer is a log sink the engine goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestKVGrowth: the cache starts small and grows when requests need more
// blocks; after the first growth free memory drops, the next growth is
// refused and logged, and the requests wait or are preempted within the
// blocks they have, each still getting the tokens it gets alone.
func TestKVGrowth(t *testing.T) {
	// Reference tokens, from an engine whose whole cache is in use.
	ref, _ := setup(t, 64, engine.Config{MaxBatchTokens: 64})
	ps := prompts(6)
	want := make([][]int32, len(ps))
	for i, p := range ps {
		s, err := ref.Submit(context.Background(), &engine.Request{Prompt: p, MaxTokens: 40})
		if err != nil {
			t.Fatal(err)
		}
		want[i], _ = collect(t, s)
	}

	for _, tc := range []struct {
		name             string
		free, takeAfter  int
		wantActive       int
		wantRefused      bool
		wantAsksAtLeast  int
		wantLogFragments []string
	}{
		// 6 blocks at the start, 6 more granted, then the memory is gone.
		{"memory taken", 6, 0, 12, true, 2, []string{"KV cache grows", "KV cache growth refused", "free memory holds 0 blocks"}},
		// Memory stays: the cache grows as far as the requests need.
		{"memory stays", 64, 64, 0, false, 1, []string{"KV cache grows"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := &memDevice{free: tc.free, takeAfter: tc.takeAfter}
			var logs syncBuffer
			e, _ := setup(t, 64, engine.Config{MaxBatchTokens: 64, KVGrow: mem, KVBlocks: 6, KVGrowBlocks: 6,
				KVRetry: time.Millisecond, Log: slog.New(slog.NewTextHandler(&logs, nil))})
			if st := e.Stats(); st.BlocksActive != 6 || st.BlocksTotal != 64 {
				t.Fatalf("at the start: %d of %d blocks active, want 6 of 64", st.BlocksActive, st.BlocksTotal)
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
					t.Errorf("request %d: %v, want %v", i, got, want[i])
				}
			}
			st := e.Stats()
			mem.mu.Lock()
			asks := strings.Join(mem.asks, " ")
			mem.mu.Unlock()
			t.Logf("asks %s; %d of %d blocks active, %d growths, %d refusals, %d preemptions", asks, st.BlocksActive, st.BlocksTotal, st.KVGrowths, st.KVRefusals, st.Preemptions)
			if tc.wantActive > 0 && st.BlocksActive != tc.wantActive {
				t.Errorf("%d blocks active, want %d (asks %s)", st.BlocksActive, tc.wantActive, asks)
			}
			if st.BlocksActive <= 6 || st.KVGrowths == 0 {
				t.Errorf("the cache never grew: %+v (asks %s)", st, asks)
			}
			if refused := st.KVRefusals > 0; refused != tc.wantRefused {
				t.Errorf("%d refusals, want refused %v (asks %s)", st.KVRefusals, tc.wantRefused, asks)
			}
			if len(mem.asks) < tc.wantAsksAtLeast {
				t.Errorf("grower asked %d times (%s), want at least %d", len(mem.asks), asks, tc.wantAsksAtLeast)
			}
			for _, f := range tc.wantLogFragments {
				if !strings.Contains(logs.String(), f) {
					t.Errorf("log lacks %q:\n%s", f, logs.String())
				}
			}
			if !tc.wantRefused && strings.Contains(logs.String(), "refused") {
				t.Errorf("a refusal was logged:\n%s", logs.String())
			}
			if st.BlocksUsed != 0 || st.Running != 0 || st.Waiting != 0 {
				t.Errorf("after all requests: %+v", st)
			}
		})
	}
}
