package cpu

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
)

// AddRMSNorm sets x = x + y, then dst = RMSNorm(x)·w (backend.AddNormer):
// what Add(x, x, y) then RMSNorm(dst, x, w, eps) compute, bit for bit,
// with each row added and normalized while it is in cache. x, y and dst
// are n×d F32 (dst may be y or x); w holds d F32 values.
func (d *Device) AddRMSNorm(x, y, dst, w *backend.Tensor, eps float32) error {
	xs, ys, out, err := d.f32x3(x, y, dst)
	if err != nil {
		return err
	}
	ws, err := d.f32(w)
	if err != nil {
		return err
	}
	n := x.Cols
	if y.Rows != x.Rows || y.Cols != n || dst.Rows != x.Rows || dst.Cols != n || w.Elements() != n {
		return fmt.Errorf("cpu: add+rmsnorm %v = norm(%v + %v) by %v", dst, x, y, w)
	}
	d.parallel(x.Rows, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := xs[r*n : (r+1)*n]
			addF32(row, row, ys[r*n:(r+1)*n])
			rmsNormRow(out[r*n:(r+1)*n], row, ws, eps)
		}
	})
	return nil
}
