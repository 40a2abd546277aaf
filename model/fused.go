package model

import "github.com/tern-llm/tern/backend"

// residual is an addition to the residual stream x not made yet: x += y,
// on device d (which holds both). A layer leaves the addition of its
// feed-forward output, and the down projection that makes it, to the op
// that reads x next, the next layer's attention norm, so that a device
// with backend.ProductAddNormer makes all three in one op.
type residual struct {
	y *backend.Tensor // nil when nothing is pending
	d backend.Device
	// a and w, when w is not nil: y = a·wᵀ is not made yet either.
	a, w *backend.Tensor
}

// apply makes the pending addition to x on its own device.
func (r residual) apply(x *backend.Tensor) error {
	if r.y == nil {
		return nil
	}
	if r.w != nil {
		if err := r.d.MatMul(r.y, r.a, r.w); err != nil {
			return err
		}
	}
	return r.d.Add(x, x, r.y)
}

// addNorm makes the pending addition to x (if any), then dst =
// RMSNorm(x)·w, in one op where the device can (backend.AddRMSNorm,
// backend.MatMulAddRMSNorm). r, when pending, is on d.
func addNorm(d backend.Device, x *backend.Tensor, r residual, dst, w *backend.Tensor, eps float32) error {
	switch {
	case r.y == nil:
		return d.RMSNorm(dst, x, w, eps)
	case r.w != nil:
		return backend.MatMulAddRMSNorm(d, x, r.y, r.a, r.w, dst, w, eps)
	}
	return backend.AddRMSNorm(d, x, r.y, dst, w, eps)
}
