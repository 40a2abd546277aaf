package budget

import "github.com/tern-llm/tern/backend"

// AddRMSNorm gives the inner device the residual addition and the norm as
// one op when it has backend.AddNormer, and runs Add then RMSNorm
// otherwise.
func (d *Device) AddRMSNorm(x, y, dst, w *backend.Tensor, eps float32) error {
	if an, ok := d.Device.(backend.AddNormer); ok {
		return an.AddRMSNorm(un(x), un(y), un(dst), un(w), eps)
	}
	return backend.AddRMSNorm(d.ops(), x, y, dst, w, eps)
}

// MatMulAddRMSNorm gives the inner device the product, the residual
// addition and the norm as one op when it has backend.ProductAddNormer, and
// runs MatMul then this wrapper's AddRMSNorm (the inner device's
// AddNormer where it has one) otherwise.
func (d *Device) MatMulAddRMSNorm(x, y, a, w, dst, nw *backend.Tensor, eps float32) error {
	if pn, ok := d.Device.(backend.ProductAddNormer); ok {
		return pn.MatMulAddRMSNorm(un(x), un(y), un(a), un(w), un(dst), un(nw), eps)
	}
	if err := d.MatMul(y, a, w); err != nil {
		return err
	}
	return d.AddRMSNorm(x, y, dst, nw, eps)
}

// RoPEStore gives the inner device the rotations and the KV store as one
// op when it has backend.RoPEStorer, and runs RoPE, RoPE and StoreKV
// otherwise.
func (d *Device) RoPEStore(q, k, v, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	rs, ok := d.Device.(backend.RoPEStorer)
	if !ok {
		return backend.RoPEStore(d.ops(), q, k, v, kc, vc, a, r, b)
	}
	return rs.RoPEStore(un(q), un(k), un(v), un(kc), un(vc), a, unRoPE(r), b)
}

// MatMulSwiGLU gives the inner device the gate and up products with their
// SwiGLU as one op when it has backend.ProductSwiGLUer, and runs
// MatMulShared then SwiGLU through this wrapper otherwise.
func (d *Device) MatMulSwiGLU(gate, up, x, wg, wu *backend.Tensor) error {
	if ps, ok := d.Device.(backend.ProductSwiGLUer); ok {
		return ps.MatMulSwiGLU(un(gate), un(up), un(x), un(wg), un(wu))
	}
	dsts, ws := [2]*backend.Tensor{gate, up}, [2]*backend.Tensor{wg, wu}
	if err := d.MatMulShared(dsts[:], x, ws[:]); err != nil {
		return err
	}
	return d.SwiGLU(gate, gate, up)
}

// MatMulRoPEStore gives the inner device the q, k and v products, RoPE
// and the KV store as one op when it has backend.ProductRoPEStorer, and
// runs MatMulShared then RoPEStore through this wrapper otherwise.
func (d *Device) MatMulRoPEStore(q, k, v, x, wq, wk, wv, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	if prs, ok := d.Device.(backend.ProductRoPEStorer); ok {
		return prs.MatMulRoPEStore(un(q), un(k), un(v), un(x), un(wq), un(wk), un(wv), un(kc), un(vc), a, unRoPE(r), b)
	}
	dsts, ws := [3]*backend.Tensor{q, k, v}, [3]*backend.Tensor{wq, wk, wv}
	if err := d.MatMulShared(dsts[:], x, ws[:]); err != nil {
		return err
	}
	return d.RoPEStore(q, k, v, kc, vc, a, r, b)
}

// MatMulAttention gives the inner device the q, k and v products, RoPE,
// the KV store and attention as one op when it has backend.ProductAttender,
// and runs MatMulRoPEStore (the inner device's where it has one) then
// Attention through this wrapper otherwise: a CUDA device's decode step
// keeps its fused projections.
func (d *Device) MatMulAttention(out, q, k, v, x, wq, wk, wv, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	if pa, ok := d.Device.(backend.ProductAttender); ok {
		return pa.MatMulAttention(un(out), un(q), un(k), un(v), un(x), un(wq), un(wk), un(wv), un(kc), un(vc), a, unRoPE(r), b)
	}
	if err := d.MatMulRoPEStore(q, k, v, x, wq, wk, wv, kc, vc, a, r, b); err != nil {
		return err
	}
	return d.Attention(out, q, kc, vc, a, b)
}

// unRoPE returns r with its factors (a tensor) as the inner device's.
func unRoPE(r *backend.RoPE) *backend.RoPE {
	if r == nil || r.Factors == nil {
		return r
	}
	rr := *r
	rr.Factors = un(r.Factors)
	return &rr
}

// ops is d with the op set alone, not the fused ops above: what their
// fallbacks run, through this wrapper's ops (which unwrap the tensors),
// when the inner device lacks them.
func (d *Device) ops() backend.Device { return struct{ backend.Device }{d} }
