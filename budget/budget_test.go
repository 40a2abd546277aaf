package budget

import (
	"errors"
	"sync"
	"testing"

	"github.com/tern-llm/tern/backend"
)

func TestAccountant(t *testing.T) {
	type step struct {
		op    string // "reserve", "release", "limit"
		class Class
		n     uint64
		oom   bool // reserve must fail with ErrOutOfMemory
	}
	tests := []struct {
		name      string
		limit     uint64
		steps     []step
		used      uint64
		peak      uint64
		weights   uint64
		kvCharged uint64
	}{
		{"fits exactly", 100, []step{{"reserve", Weights, 60, false}, {"reserve", KV, 40, false}}, 100, 100, 60, 40},
		{"one byte over", 100, []step{{"reserve", Weights, 60, false}, {"reserve", KV, 41, true}}, 60, 60, 60, 0},
		{"release makes room", 100, []step{{"reserve", Weights, 80, false}, {"release", Weights, 30, false}, {"reserve", KV, 50, false}}, 100, 100, 50, 50},
		{"peak remembers", 100, []step{{"reserve", Scratch, 90, false}, {"release", Scratch, 90, false}, {"reserve", KV, 10, false}}, 10, 90, 0, 10},
		{"huge request does not wrap", 100, []step{{"reserve", Weights, 10, false}, {"reserve", KV, ^uint64(0) - 5, true}}, 10, 10, 10, 0},
		{"zero limit refuses everything but nothing", 0, []step{{"reserve", Weights, 0, false}, {"reserve", Weights, 1, true}}, 0, 0, 0, 0},
		{"lower limit below use", 100, []step{{"reserve", Weights, 70, false}, {"limit", 0, 50, false}, {"reserve", KV, 1, true}, {"release", Weights, 30, false}, {"reserve", KV, 10, false}}, 50, 70, 40, 10},
		{"over-release stops at zero", 100, []step{{"reserve", KV, 10, false}, {"release", KV, 50, false}, {"reserve", Weights, 100, false}}, 100, 100, 100, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := New("cuda0", tc.limit)
			for i, s := range tc.steps {
				switch s.op {
				case "reserve":
					err := a.Reserve(s.class, s.n)
					if s.oom != (err != nil) {
						t.Fatalf("step %d: Reserve(%v, %d) = %v, want failure %v", i, s.class, s.n, err, s.oom)
					}
					if err != nil && !errors.Is(err, backend.ErrOutOfMemory) {
						t.Fatalf("step %d: %v does not wrap ErrOutOfMemory", i, err)
					}
				case "release":
					a.Release(s.class, s.n)
				case "limit":
					a.SetLimit(s.n)
				}
			}
			u := a.Usage()
			if u.Used != tc.used || u.Peak != tc.peak || u.By[Weights] != tc.weights || u.By[KV] != tc.kvCharged {
				t.Errorf("usage %+v: want used %d peak %d weights %d kv %d", u, tc.used, tc.peak, tc.weights, tc.kvCharged)
			}
		})
	}
}

func TestAccountantErrorSaysWhat(t *testing.T) {
	a := New("cpu", 1<<30)
	if err := a.Reserve(Weights, 768<<20); err != nil {
		t.Fatal(err)
	}
	err := a.Reserve(KV, 512<<20)
	want := "budget: cpu: 512.0 MiB of kv requested, 256.0 MiB of its 1.0 GiB budget left (weights 768.0 MiB): backend: out of memory"
	if err == nil || err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
}

// TestAccountantConcurrent: many goroutines charge at once and the total
// never passes the limit.
func TestAccountantConcurrent(t *testing.T) {
	const limit, workers, tries = 1000, 8, 300
	a := New("cpu", limit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < tries; i++ {
				if a.Reserve(Scratch, 1) == nil {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if u := a.Usage(); granted != limit || u.Used != limit || u.Peak != limit {
		t.Errorf("granted %d, usage %+v: want exactly %d", granted, u, limit)
	}
}
