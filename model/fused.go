package model

import "github.com/tern-llm/tern/backend"

// residual is an addition to the residual stream x not made yet: x += y,
// on device d (which holds both). A layer leaves the addition of its
// feed-forward output to the op that reads x next, the next layer's
// attention norm, so that a device with backend.AddNormer makes both in
// one op.
type residual struct {
	y *backend.Tensor // nil when nothing is pending
	d backend.Device
}

// apply makes the pending addition to x on its own device.
func (r residual) apply(x *backend.Tensor) error {
	if r.y == nil {
		return nil
	}
	return r.d.Add(x, x, r.y)
}

// addNorm sets x += y (when y is not nil), then dst = RMSNorm(x)·w, in one
// op where the device can (backend.AddRMSNorm).
func addNorm(d backend.Device, x, y, dst, w *backend.Tensor, eps float32) error {
	if y == nil {
		return d.RMSNorm(dst, x, w, eps)
	}
	return backend.AddRMSNorm(d, x, y, dst, w, eps)
}
