package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Fused ops (backend.AddNormer, backend.RoPEStorer,
// backend.ProductRoPEStorer): one kernel where the op set takes two or
// three, each computing exactly what those kernels compute (the same float
// operations in the same order), so that a step gives the same bits fused
// or not. A decode step of a llama layer is then eight kernels:
// add_rmsnorm, the q/k/v product with RoPE and the KV store, attention,
// the o product, add_rmsnorm, the gate/up product, SwiGLU and the down
// product, each norm, attention and SwiGLU converting its output for the
// product after it.
//
// RoPE and the KV store inside the attention kernel (each block rotating
// its query head and its KV head's key, the token's own position read from
// what it rotated) were tried on an H100 and were no faster (9.7 µs a
// layer against 5.7 + 3.9 for attention and rope_store at 1.1B) and the
// decode slower (1069 against 1120 tok/s): the rotation's double-precision
// sine and cosine sat on every attention block's critical path. In the
// q/k/v product (MatMulRoPEStore) the angles are made before the product
// waits for the norm before it, off that path: on an H200, 1.1B Q4_0
// tg/graph 1467-1496 -> 1516-1537 tok/s, 8B Q4_0 463-464 -> 481-487.

// AddRMSNorm sets x += y, then dst = RMSNorm(x)·w, in one kernel
// (add_rmsnorm_*), converting dst for the next product as RMSNorm does.
func (d *Device) AddRMSNorm(x, y, dst, w *backend.Tensor, eps float32) error {
	n := x.Cols
	if y.Rows != x.Rows || y.Cols != n || dst.Rows != x.Rows || dst.Cols != n || w.Elements() != n {
		return fmt.Errorf("cuda: add-rmsnorm %v = norm(%v + %v) by %v", dst, x, y, w)
	}
	ps, err := d.f32ptrs(x, y, dst)
	if err != nil {
		return err
	}
	wp, err := d.f32ptr(w)
	if err != nil {
		return err
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(x)
	d.wrote(dst)
	return d.launchNorm("add_rmsnorm", x.Rows, n, ps[2], ps[0], ps[1], ps[2], wp, i32(n), f32(eps))
}

// launchNorm launches the norm kernel family name (rmsnorm, add_rmsnorm)
// over rows rows of n with params: name_f32, or, where the next product
// wants its input converted (writeConv), name_<conversion>, which also
// converts out, the normalized rows.
func (d *Device) launchNorm(name string, rows, n int, out uint64, params ...uint64) error {
	grid, block := dims{uint32(rows), 1, 1}, dims{normThreads, 1, 1}
	conv, a, b, ok, err := d.writeConv(rows, n)
	if err != nil {
		return err
	}
	if !ok {
		return d.launch(name+"_f32", grid, block, 0, params...)
	}
	if err := d.launch(name+"_"+conv, grid, block, 0, append(params, a, b)...); err != nil {
		return err
	}
	d.converted(conv, out, rows, n, a, b)
	return nil
}

// writeConv is fuseConv for the ops that convert their output as they
// write it (RMSNorm, AddRMSNorm, SwiGLU), unless writeConvFuse is off.
func (d *Device) writeConv(n, k int) (kernel string, a, b uint64, ok bool, err error) {
	if !writeConvFuse {
		return "", 0, 0, false, nil
	}
	return d.fuseConv(n, k)
}

// writeConvFuse lets RMSNorm, AddRMSNorm and SwiGLU convert their output
// for the next product (on unless a benchmark measures what that saves).
var writeConvFuse = true

// RoPEStore rotates q and k and stores k and v into the caches in one
// kernel (rope_store_*): what RoPE, RoPE and StoreKV do.
func (d *Device) RoPEStore(q, k, v, kc, vc *backend.Tensor, at *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	c, err := d.ropeStorePrep(q, k, v, kc, vc, at, r, b)
	if err != nil || q.Rows == 0 {
		return err
	}
	cache := kernelFormat[kc.Type] // F32 or F16: checked
	// a block per (token, head), or for many tokens a block per token
	// (rope_store_rows_*), which makes each angle once, not once per head
	kernel, grid, block := "rope_store_"+cache, dims{uint32(q.Rows), uint32(at.Heads + 2*at.KVHeads), 1}, dims{ropeThreads(r.Dims), 1, 1}
	if q.Rows >= ropeRowsMin && r.Dims/2 <= ropeRowsPairs {
		kernel, grid, block = "rope_store_rows_"+cache, dims{uint32(q.Rows), 1, 1}, dims{ropeRowsThreads, 1, 1}
	}
	bp, unlock, err := d.enterBatch(b)
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(q)
	d.wrote(k)
	d.wrote(kc)
	d.wrote(vc)
	params := append([]uint64{c.qp, c.kp, c.vp, c.kcp, c.vcp, bp.pos, bp.slots, i32(at.Heads), i32(at.KVHeads)}, c.rope[:]...)
	return d.launch(kernel, grid, block, 0, params...)
}

// RoPEStore takes rope_store_rows_* for steps of at least ropeRowsMin
// tokens (a prompt's: 512 tokens of the 1.1B, 32 µs a layer under ncu with
// a block per head), blocks of ropeRowsThreads, for rotations of at most
// ropeRowsPairs pairs (RSR_PAIRS of elementwise.cu).
const (
	ropeRowsMin     = 16
	ropeRowsThreads = 256
	ropeRowsPairs   = 128
)

// ropeStoreCall is a RoPEStore call checked against its tensors and batch:
// the tensors' device addresses and the angle parameters (ropeParams).
type ropeStoreCall struct {
	qp, kp, vp, kcp, vcp uint64
	rope                 [11]uint64
}

// ropeStorePrep checks a RoPEStore call.
func (d *Device) ropeStorePrep(q, k, v, kc, vc *backend.Tensor, at *backend.Attn, r *backend.RoPE, b *backend.Batch) (ropeStoreCall, error) {
	var c ropeStoreCall
	hd, nh, nkv := at.HeadDim, at.Heads, at.KVHeads
	n := q.Rows
	if hd <= 0 || nh <= 0 || nkv <= 0 || q.Cols != nh*hd || k.Cols != nkv*hd || v.Cols != nkv*hd || k.Rows != n || v.Rows != n {
		return c, fmt.Errorf("cuda: rope-store: q %v, k %v, v %v as %+v", q, k, v, *at)
	}
	if kc.Type != vc.Type || (kc.Type != quant.F32 && kc.Type != quant.F16) {
		return c, fmt.Errorf("cuda: rope-store: %w: caches %s and %s (want F32 or F16)", backend.ErrUnsupported, kc.Type, vc.Type)
	}
	if kc.Cols != k.Cols || vc.Cols != v.Cols || kc.Rows != vc.Rows {
		return c, fmt.Errorf("cuda: rope-store: k %v and v %v into caches %v and %v", k, v, kc, vc)
	}
	if len(b.Pos) != n || len(b.Slots) != n {
		return c, fmt.Errorf("cuda: rope-store: %d positions and %d slots for %d rows", len(b.Pos), len(b.Slots), n)
	}
	for _, s := range b.Slots {
		if s < 0 || int(s) >= kc.Rows {
			return c, fmt.Errorf("cuda: rope-store: slot %d outside the %d-row cache", s, kc.Rows)
		}
	}
	var err error
	if c.rope, err = d.ropeParams(r, hd); err != nil {
		return c, err
	}
	qkv, err := d.f32ptrs(q, k, v)
	if err != nil {
		return c, err
	}
	c.qp, c.kp, c.vp = qkv[0], qkv[1], qkv[2]
	if c.kcp, err = d.ptr(kc); err != nil {
		return c, err
	}
	c.vcp, err = d.ptr(vc)
	return c, err
}

// MatMulRoPEStore makes the q, k and v products of x, rotates q and k and
// stores k and v in the caches (backend.ProductRoPEStorer). For one token
// whose products run in one launch (MatMulShared), with adjacent pairs
// rotated (not NeoX) and each product's rows a multiple of a block's, that
// launch rotates and stores as its blocks finish (mv3r_*, mv3.cuh), the
// same float operations as rope_store: a decode step has one kernel less a
// layer. Anything else is MatMulShared then RoPEStore.
func (d *Device) MatMulRoPEStore(q, k, v, x, wq, wk, wv, kc, vc *backend.Tensor, at *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	dsts, ws := [3]*backend.Tensor{q, k, v}, [3]*backend.Tensor{wq, wk, wv}
	c, ok, err := d.sharedPrep(dsts[:], x, ws[:])
	if err != nil {
		return err
	}
	if !ok || !ropeInProduct(c.typ, at, r, q, k, v) {
		if err := d.matMulShared(&c, ok, dsts[:], x, ws[:]); err != nil {
			return err
		}
		return d.RoPEStore(q, k, v, kc, vc, at, r, b)
	}
	rc, err := d.ropeStorePrep(q, k, v, kc, vc, at, r, b)
	if err != nil {
		return err
	}
	cache := kernelFormat[kc.Type] // F32 or F16: checked
	bp, unlock, err := d.enterBatch(b)
	if err != nil {
		return err
	}
	defer unlock()
	defer wroteAll(d, []*backend.Tensor{q, k, v, kc, vc})
	extra := append([]uint64{rc.kcp, rc.vcp, bp.pos, bp.slots}, rc.rope[:]...)
	return d.sharedLaunch(&c, "mv3r_mv_"+kernelFormat[c.typ]+"_1_"+cache, extra...)
}

// ropeInProduct says whether the one-launch q, k and v products of weights
// of type typ (MatMulShared's mv3 launch) can rotate and store as they
// finish: adjacent pairs, heads of even size (a pair's rows, 2t and 2t+1
// of a block, then lie in one head), and every product's rows a multiple
// of a block's.
func ropeInProduct(typ quant.Type, at *backend.Attn, r *backend.RoPE, q, k, v *backend.Tensor) bool {
	rows := oneTokenRows(typ)
	return !r.NeoX && at.HeadDim%2 == 0 && q.Cols%rows == 0 && k.Cols%rows == 0 && v.Cols%rows == 0
}
