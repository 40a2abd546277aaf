package budget_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/budget"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
)

// TestModelThroughBudget runs stories260K on a budgeted CPU and on the bare
// CPU: the logits agree bit for bit, everything the model holds is charged,
// and a budget one byte short of that fails to load with ErrOutOfMemory.
func TestModelThroughBudget(t *testing.T) {
	f, err := gguf.Open(testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prompt := []int32{1, 403, 407, 261, 378}
	run := func(d backend.Device) ([]float32, error) {
		m, err := model.Load(f, model.OnDevice(d, 5))
		if err != nil {
			return nil, err
		}
		defer m.Close()
		s, err := m.NewSequence(64)
		if err != nil {
			return nil, err
		}
		defer s.Free()
		logits, err := s.Append(context.Background(), prompt, 0)
		if err != nil {
			return nil, err
		}
		logits, err = s.Append(context.Background(), []int32{300}, 0)
		return append([]float32(nil), logits...), err
	}
	want, err := run(cpu.New(1))
	if err != nil {
		t.Fatal(err)
	}
	acct := budget.New("cpu", 1<<30)
	got, err := run(budget.Wrap(cpu.New(1), acct))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("logit %d: %g through the budget, %g without", i, got[i], want[i])
		}
	}
	u := acct.Usage()
	var tensors uint64
	for i := range f.Tensors {
		tensors += uint64(f.Tensors[i].Size)
	}
	// Weights (every tensor mapped), a 64-slot F32 KV cache of 5 layers ×
	// 2 × 32 wide, and activations: all charged. The KV cache and the
	// activations are released at Close; the mapped weights are too once
	// the model frees what it maps (model.Close leaves mapped tensors to the
	// file today, so their charge may remain).
	kv := uint64(5 * 2 * 64 * 32 * 4)
	if (u.Used != 0 && u.Used != tensors) || u.Peak < tensors+kv || u.By[budget.Other] != u.Used {
		t.Errorf("usage %+v: want at most the weights left and a peak of at least %d (weights %d, KV %d)", u, tensors+kv, tensors, kv)
	}
	short := budget.New("cpu", u.Peak-1)
	if _, err := run(budget.Wrap(cpu.New(1), short)); !errors.Is(err, backend.ErrOutOfMemory) {
		t.Errorf("a budget one byte short: %v, want ErrOutOfMemory", err)
	}
	if u := short.Usage(); u.Used != 0 && u.Used != tensors {
		t.Errorf("a failed load left %d bytes charged", u.Used)
	}
}
