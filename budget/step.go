package budget

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
)

// Step passes a step to the inner device when it records and replays steps
// (backend.Stepper: CUDA graphs), and otherwise runs queue as it is. The
// ops queue calls come back through this wrapper, which unwraps their
// tensors, so the inner device records the same ops it would see alone.
func (d *Device) Step(key string, queue func() error) error {
	if st, ok := d.Device.(backend.Stepper); ok {
		return st.Step(key, queue)
	}
	return queue()
}

// MatMulShared gives the inner device several products of one input at
// once when it has backend.SharedMatMuler, and one MatMul each otherwise.
func (d *Device) MatMulShared(dsts []*backend.Tensor, x *backend.Tensor, ws []*backend.Tensor) error {
	if len(dsts) != len(ws) {
		return fmt.Errorf("budget: %d products into %d outputs", len(ws), len(dsts))
	}
	sm, ok := d.Device.(backend.SharedMatMuler)
	if !ok {
		return backend.MatMulShared(d.ops(), dsts, x, ws)
	}
	// q/k/v and gate/up: a few operands, kept off the heap
	var dbuf, wbuf [4]*backend.Tensor
	in, iw := dbuf[:0], wbuf[:0]
	for i := range ws {
		in = append(in, un(dsts[i]))
		iw = append(iw, un(ws[i]))
	}
	return sm.MatMulShared(in, un(x), iw)
}
