package backend

// Fused ops: several ops of the op set in one call, for devices where each
// op costs a launch (a GPU's decode step is dozens of small kernels a
// layer). They compute exactly what the ops they stand for compute, in the
// same order; devices without them get those ops one by one.

// AddNormer is implemented by devices that add to the residual stream and
// normalize the result in one op (the residual after attention with the
// feed-forward norm; the residual after the feed-forward with the next
// layer's attention norm).
type AddNormer interface {
	// AddRMSNorm sets x = x + y, then dst = RMSNorm(x)·w: what Add(x, x, y)
	// then RMSNorm(dst, x, w, eps) do. x, y and dst are n×d F32 (dst may
	// be y); w is 1×d F32.
	AddRMSNorm(x, y, dst, w *Tensor, eps float32) error
}

// ProductAddNormer is implemented by devices that make a product, add it to
// the residual stream and normalize the result in one op (the attention's
// output projection with the feed-forward norm; the feed-forward's down
// projection with the next layer's attention norm, or the output norm).
type ProductAddNormer interface {
	// MatMulAddRMSNorm sets y = a·wᵀ, x = x + y, then dst = RMSNorm(x)·nw:
	// what MatMul(y, a, w) then AddRMSNorm(x, y, dst, nw, eps) do. a is
	// n×k, w m×k of any weight type, x, y and dst n×m F32 (dst may be y);
	// nw is 1×m F32.
	MatMulAddRMSNorm(x, y, a, w, dst, nw *Tensor, eps float32) error
}

// ProductSwiGLUer is implemented by devices that make the feed-forward's
// gate and up products and their SwiGLU in one op.
type ProductSwiGLUer interface {
	// MatMulSwiGLU sets gate = x·wgᵀ and up = x·wuᵀ, then gate =
	// silu(gate)·up: what MatMulShared([gate up], x, [wg wu]) then
	// SwiGLU(gate, gate, up) do. x is n×k; wg and wu are m×k; gate and up
	// n×m F32.
	MatMulSwiGLU(gate, up, x, wg, wu *Tensor) error
}

// ProductRoPEStorer is implemented by devices that make the q, k and v
// projections of a step, rotate q and k and store k and v in the caches
// in one op (a decode step's projections with RoPE and the KV store).
type ProductRoPEStorer interface {
	// MatMulRoPEStore does what MatMulShared([q k v], x, [wq wk wv]) then
	// RoPEStore(q, k, v, kc, vc, a, r, b) do.
	MatMulRoPEStore(q, k, v, x, wq, wk, wv, kc, vc *Tensor, a *Attn, r *RoPE, b *Batch) error
}

// ProductAttender is implemented by devices that make the q, k and v
// projections of a step, rotate q and k, store k and v in the caches and
// run attention in one op.
type ProductAttender interface {
	// MatMulAttention does what MatMulRoPEStore(q, k, v, x, wq, wk, wv,
	// kc, vc, a, r, b) then Attention(out, q, kc, vc, a, b) do.
	MatMulAttention(out, q, k, v, x, wq, wk, wv, kc, vc *Tensor, a *Attn, r *RoPE, b *Batch) error
}

// RoPEStorer is implemented by devices that rotate the queries and keys of
// a step and store its keys and values in the caches in one op.
type RoPEStorer interface {
	// RoPEStore does what RoPE(q, a.Heads, r, b), RoPE(k, a.KVHeads, r,
	// b) and StoreKV(kc, vc, k, v, b) do: q (n×(a.Heads·a.HeadDim)) and k
	// (n×(a.KVHeads·a.HeadDim)) are rotated in place, then row i of k and
	// v goes to row b.Slots[i] of kc and vc.
	RoPEStore(q, k, v, kc, vc *Tensor, a *Attn, r *RoPE, b *Batch) error
}

// AddRMSNorm sets x = x + y, then dst = RMSNorm(x)·w, on d: in one op where
// d is an AddNormer, with Add then RMSNorm otherwise.
func AddRMSNorm(d Device, x, y, dst, w *Tensor, eps float32) error {
	if an, ok := d.(AddNormer); ok {
		return an.AddRMSNorm(x, y, dst, w, eps)
	}
	if err := d.Add(x, x, y); err != nil {
		return err
	}
	return d.RMSNorm(dst, x, w, eps)
}

// MatMulAddRMSNorm sets y = a·wᵀ, x = x + y, then dst = RMSNorm(x)·nw, on
// d: in one op where d is a ProductAddNormer, with MatMul then AddRMSNorm
// otherwise.
func MatMulAddRMSNorm(d Device, x, y, a, w, dst, nw *Tensor, eps float32) error {
	if pn, ok := d.(ProductAddNormer); ok {
		return pn.MatMulAddRMSNorm(x, y, a, w, dst, nw, eps)
	}
	if err := d.MatMul(y, a, w); err != nil {
		return err
	}
	return AddRMSNorm(d, x, y, dst, nw, eps)
}

// RoPEStore rotates q and k and stores k and v in the caches kc and vc on
// d: in one op where d is a RoPEStorer, with RoPE, RoPE and StoreKV
// otherwise.
func RoPEStore(d Device, q, k, v, kc, vc *Tensor, a *Attn, r *RoPE, b *Batch) error {
	if rs, ok := d.(RoPEStorer); ok {
		return rs.RoPEStore(q, k, v, kc, vc, a, r, b)
	}
	if err := d.RoPE(q, a.Heads, r, b); err != nil {
		return err
	}
	if err := d.RoPE(k, a.KVHeads, r, b); err != nil {
		return err
	}
	return d.StoreKV(kc, vc, k, v, b)
}

// TableCap is the number of block-table entries a device that records
// steps (Stepper) stages for a batch whose tables hold total entries: the
// next power of two, at least minTableCap. A step's key names TableCap of
// its tables, not their size, so that steps whose tables grow within it
// keep one shape (and one recording) while sequences lengthen.
func TableCap(total int) int {
	c := minTableCap
	for c < total {
		c *= 2
	}
	return c
}

// minTableCap is TableCap's least capacity: the tables of a few short
// sequences.
const minTableCap = 16
