package budget

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
)

// MaxTopK is the inner device's (backend.TopKer), and 0 when it has none,
// so that a caller knows to download the logits instead.
func (d *Device) MaxTopK() int {
	if tk, ok := d.Device.(backend.TopKer); ok {
		return tk.MaxTopK()
	}
	return 0
}

// TopK passes the selection to the inner device with unwrapped tensors
// when it has backend.TopKer, and otherwise declines it (ErrSkip).
func (d *Device) TopK(vals, ids, x *backend.Tensor) error {
	tk, ok := d.Device.(backend.TopKer)
	if !ok {
		return fmt.Errorf("budget: %s selects no top-k: %w", d.Name(), backend.ErrSkip)
	}
	return tk.TopK(un(vals), un(ids), un(x))
}
