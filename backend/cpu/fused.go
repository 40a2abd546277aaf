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
	if p.two { // the matrix's rows h further on (b = mat: one product)
		addF32(a.xs[p.lo+p.h:p.hi+p.h], a.xs[p.lo+p.h:p.hi+p.h], a.ys[p.lo+p.h:p.hi+p.h])
	}
}

// normAll normalizes x into out.
func (a *addNorm) normAll() { rmsNormRow(a.out, a.xs, a.ws, a.eps) }

// MatMulSwiGLU sets gate = x·wgᵀ and up = x·wuᵀ, then gate =
// silu(gate)·up (backend.ProductSwiGLUer): what MatMulShared then SwiGLU
// compute, bit for bit. For one token whose two products share an op on
// kernels that read two runs of rows (kernel.rowsTwo), each piece makes the
// same rows of both products side by side, and their SwiGLU while they are
// in cache: the caller no longer reads both outputs back, half of them
// written by the other cores, to make the SwiGLU alone between two
// products. Other products run MatMulShared then SwiGLU.
func (d *Device) MatMulSwiGLU(gate, up, x, wg, wu *backend.Tensor) error {
	s := &d.shared
	s.gu, s.wgu = [2]*backend.Tensor{gate, up}, [2]*backend.Tensor{wg, wu}
	defer func() { s.gu, s.wgu = [2]*backend.Tensor{}, [2]*backend.Tensor{} }()
	if x.Rows != 1 || wg.Type != wu.Type || wg.Rows != wu.Rows || !d.shareable(x, s.wgu[:]) {
		if err := d.MatMulShared(s.gu[:], x, s.wgu[:]); err != nil {
			return err
		}
		return d.SwiGLU(gate, gate, up)
	}
	n, k, xq, xb, ok, err := d.setupShared(s.gu[:], x, s.wgu[:])
	if err != nil {
		return err
	}
	if !ok { // made one by one
		return d.SwiGLU(gate, gate, up)
	}
	if g, u := &s.kerns[0], &s.kerns[1]; g.rowsTwo == nil || u.rowsTwo == nil || g.mem == nil || u.mem == nil || g.align != u.align {
		d.sharedRows(s.wgu[:], n, k, xq, xb)
		s.clearOps()
		return d.SwiGLU(gate, gate, up)
	}
	if s.swiglu == nil { // bound once: a product allocates nothing
		s.swiglu = s.swigluPiece
	}
	s.pair, s.after = true, s.swiglu
	d.sharedRows(s.wgu[:], n, k, xq, xb)
	s.pair, s.after = false, nil
	s.clearOps()
	return nil
}

// swigluPiece sets piece p's rows of a paired product's first output (the
// gate) to silu(gate)·up (MatMulSwiGLU).
func (s *sharedScratch) swigluPiece(p sharedPiece) {
	g, u := s.outs[0], s.outs[1]
	swigluSpan(g[p.lo:p.hi], g[p.lo:p.hi], u[p.lo:p.hi], p.lo, len(g))
}

// swigluSpan sets out = silu(g)·u for elements [lo, lo+len(out)) of a row
// of nc, each as swigluRows makes it in that row: by swigluVec below nc
// rounded down to vecLanes (a partial vector of them through a vector of
// its own), by siluScalar above.
func swigluSpan(out, g, u []float32, lo, nc int) {
	vec := min(max(nc&^(vecLanes-1)-lo, 0), len(out)) // elements the vector form makes
	body := vec &^ (vecLanes - 1)
	swigluVec(out[:body], g[:body], u[:body])
	if body < vec {
		var o, gv, uv [vecLanes]float32
		copy(gv[:], g[body:vec])
		copy(uv[:], u[body:vec])
		swigluVec(o[:], gv[:], uv[:])
		copy(out[body:vec], o[:])
	}
	for i := vec; i < len(out); i++ {
		out[i] = siluScalar(g[i]) * u[i]
	}
}
