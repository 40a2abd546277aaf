package backend

import "fmt"

// SharedMatMuler is implemented by devices that compute several products
// of one input together faster than one MatMul each (one launch for the
// q, k and v projections of a decode step, say). Devices without it get
// one MatMul per product.
type SharedMatMuler interface {
	// MatMulShared sets dsts[i] = x·ws[i]ᵀ for every i, as MatMul does.
	MatMulShared(dsts []*Tensor, x *Tensor, ws []*Tensor) error
}

// MatMulShared sets dsts[i] = x·ws[i]ᵀ for every i on d: in one call where
// d is a SharedMatMuler, with one MatMul each otherwise.
func MatMulShared(d Device, dsts []*Tensor, x *Tensor, ws []*Tensor) error {
	if len(dsts) != len(ws) {
		return fmt.Errorf("backend: %d products into %d outputs", len(ws), len(dsts))
	}
	if sm, ok := d.(SharedMatMuler); ok {
		return sm.MatMulShared(dsts, x, ws)
	}
	for i, w := range ws {
		if err := d.MatMul(dsts[i], x, w); err != nil {
			return err
		}
	}
	return nil
}
