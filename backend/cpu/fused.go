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
	if !d.parallelWorth(x.Rows, normChunk) { // without parallel's closure
		addNormRows(xs, ys, out, ws[:n], eps, 0, x.Rows)
		return nil
	}
	d.parallel(x.Rows, normChunk, func(lo, hi int) { addNormRows(xs, ys, out, ws[:n], eps, lo, hi) })
	return nil
}

// addNormRows sets rows [lo, hi) of xs (rows of len(w)) to xs + ys, then
// out's to RMSNorm(xs)·w.
func addNormRows(xs, ys, out, w []float32, eps float32, lo, hi int) {
	n := len(w)
	for r := lo; r < hi; r++ {
		row := xs[r*n : (r+1)*n]
		addF32(row, row, ys[r*n:(r+1)*n])
		rmsNormRow(out[r*n:(r+1)*n], row, w, eps)
	}
}

// MatMulAddRMSNorm sets y = a·wᵀ, x = x + y, then dst = RMSNorm(x)·nw
// (backend.ProductAddNormer): what MatMul(y, a, w) then AddRMSNorm(x, y,
// dst, nw, eps) compute, bit for bit. For one token it is one parallel op:
// each piece of the product adds its rows of y to x as it ends, while they
// are in cache, and the participant that ends the last piece normalizes x
// into dst while the others return, so the caller does not wait for the
// last piece and then add and normalize alone. Several tokens run MatMul
// then AddRMSNorm. a is n×k; x, y and dst are n×m F32 (dst may be y or x);
// nw holds m F32 values.
func (d *Device) MatMulAddRMSNorm(x, y, a, w, dst, nw *backend.Tensor, eps float32) error {
	if a.Rows != 1 {
		if err := d.MatMul(y, a, w); err != nil {
			return err
		}
		return d.AddRMSNorm(x, y, dst, nw, eps)
	}
	xs, ys, out, err := d.f32x3(x, y, dst)
	if err != nil {
		return err
	}
	ws, err := d.f32(nw)
	if err != nil {
		return err
	}
	m := x.Cols
	if x.Rows != 1 || y.Rows != 1 || y.Cols != m || dst.Rows != 1 || dst.Cols != m || nw.Elements() != m {
		return fmt.Errorf("cpu: matmul+add+rmsnorm %v = norm(%v + %v) by %v", dst, x, y, nw)
	}
	s := &d.shared
	if s.addPiece == nil { // bound once: a product allocates nothing
		s.addPiece, s.normAll = s.norm.addPiece, s.norm.normAll
	}
	s.norm = addNorm{xs: xs, ys: ys, out: out, ws: ws, eps: eps}
	s.after, s.last = s.addPiece, s.normAll
	err = d.MatMul(y, a, w) // one token: through sharedRows, which calls them
	s.after, s.last = nil, nil
	s.norm = addNorm{}
	return err
}

// addNorm is the operands of a one-token MatMulAddRMSNorm: x (xs) + y
// (ys), normalized by ws into out.
type addNorm struct {
	xs, ys, out, ws []float32
	eps             float32
}

// addPiece adds piece p's rows of y to x.
func (a *addNorm) addPiece(p sharedPiece) {
	addF32(a.xs[p.lo:p.hi], a.xs[p.lo:p.hi], a.ys[p.lo:p.hi])
	if p.h > 0 {
		addF32(a.xs[p.lo+p.h:p.hi+p.h], a.xs[p.lo+p.h:p.hi+p.h], a.ys[p.lo+p.h:p.hi+p.h])
	}
}

// normAll normalizes x into out.
func (a *addNorm) normAll() { rmsNormRow(a.out, a.xs, a.ws, a.eps) }
