package budget

import (
	"errors"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// stepDev is a fake device with the optional step and shared-product
// interfaces, recording what reaches it.
type stepDev struct {
	fakeDev
	keys   []string
	shared int
}

func (s *stepDev) Step(key string, queue func() error) error {
	s.keys = append(s.keys, key)
	return queue()
}

func (s *stepDev) MatMulShared(dsts []*backend.Tensor, x *backend.Tensor, ws []*backend.Tensor) error {
	s.shared++
	for i, w := range ws {
		if err := s.MatMul(dsts[i], x, w); err != nil { // refuses wrapped tensors
			return err
		}
	}
	return nil
}

// TestStepAndSharedReachInner checks that a budgeted device passes steps
// and shared products to an inner device that has them (so CUDA graphs
// and fused q/k/v products work under a budget), with unwrapped tensors,
// and falls back to running them itself when the inner device lacks them.
func TestStepAndSharedReachInner(t *testing.T) {
	for _, tc := range []struct {
		name  string
		inner backend.Device
	}{
		{"with", &stepDev{}},
		{"without", &fakeDev{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Wrap(tc.inner, New("fake", 1<<20))
			st, ok := d.(backend.Stepper)
			if !ok {
				t.Fatal("budgeted device is not a Stepper")
			}
			sm, ok := d.(backend.SharedMatMuler)
			if !ok {
				t.Fatal("budgeted device is not a SharedMatMuler")
			}
			alloc := func(rows, cols int) *backend.Tensor {
				x, err := d.Alloc(quant.F32, rows, cols)
				if err != nil {
					t.Fatal(err)
				}
				return x
			}
			x, w1, w2 := alloc(2, 3), alloc(4, 3), alloc(5, 3)
			o1, o2 := alloc(2, 4), alloc(2, 5)
			ran := false
			err := st.Step("k1", func() error {
				ran = true
				return sm.MatMulShared([]*backend.Tensor{o1, o2}, x, []*backend.Tensor{w1, w2})
			})
			if err != nil || !ran {
				t.Fatalf("step: ran %v, %v", ran, err)
			}
			if err := sm.MatMulShared([]*backend.Tensor{o1}, x, []*backend.Tensor{w1, w2}); err == nil {
				t.Error("two products into one output accepted")
			}
			wantErr := errors.New("queue failed")
			if err := st.Step("k2", func() error { return wantErr }); !errors.Is(err, wantErr) {
				t.Errorf("step error %v, want %v", err, wantErr)
			}
			if s, ok := tc.inner.(*stepDev); ok {
				if len(s.keys) != 2 || s.keys[0] != "k1" || s.shared != 1 {
					t.Errorf("inner saw keys %q and %d shared products", s.keys, s.shared)
				}
			}
		})
	}
}
