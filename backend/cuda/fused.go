package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Fused ops (backend.AddNormer, backend.RoPEStorer): one kernel where the
// op set takes two or three, each computing exactly what those kernels
// compute (the same float operations in the same order), so that a step
// gives the same bits fused or not.

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
	grid, block := dims{uint32(x.Rows), 1, 1}, dims{normThreads, 1, 1}
	conv, a, b, ok, err := d.fuseConv(x.Rows, n)
	if err != nil || !ok {
		if err == nil {
			err = d.launch("add_rmsnorm_f32", grid, block, 0, ps[0], ps[1], ps[2], wp, i32(n), f32(eps))
		}
		return err
	}
	if err := d.launch("add_rmsnorm_"+conv, grid, block, 0, ps[0], ps[1], ps[2], wp, i32(n), f32(eps), a, b); err != nil {
		return err
	}
	d.converted(conv, ps[2], x.Rows, n, a, b)
	return nil
}

// RoPEStore rotates q and k and stores k and v into the caches in one
// kernel (rope_store_*): what RoPE, RoPE and StoreKV do.
func (d *Device) RoPEStore(q, k, v, kc, vc *backend.Tensor, at *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	hd, nh, nkv := at.HeadDim, at.Heads, at.KVHeads
	n := q.Rows
	if hd <= 0 || nh <= 0 || nkv <= 0 || q.Cols != nh*hd || k.Cols != nkv*hd || v.Cols != nkv*hd || k.Rows != n || v.Rows != n {
		return fmt.Errorf("cuda: rope-store: q %v, k %v, v %v as %+v", q, k, v, *at)
	}
	if kc.Type != vc.Type || (kc.Type != quant.F32 && kc.Type != quant.F16) {
		return fmt.Errorf("cuda: rope-store: %w: caches %s and %s (want F32 or F16)", backend.ErrUnsupported, kc.Type, vc.Type)
	}
	if kc.Cols != k.Cols || vc.Cols != v.Cols || kc.Rows != vc.Rows {
		return fmt.Errorf("cuda: rope-store: k %v and v %v into caches %v and %v", k, v, kc, vc)
	}
	if len(b.Pos) != n || len(b.Slots) != n {
		return fmt.Errorf("cuda: rope-store: %d positions and %d slots for %d rows", len(b.Pos), len(b.Slots), n)
	}
	for _, s := range b.Slots {
		if s < 0 || int(s) >= kc.Rows {
			return fmt.Errorf("cuda: rope-store: slot %d outside the %d-row cache", s, kc.Rows)
		}
	}
	rp, err := d.ropeParams(r, hd)
	if err != nil {
		return err
	}
	qkv, err := d.f32ptrs(q, k, v)
	if err != nil {
		return err
	}
	kp, err := d.ptr(kc)
	if err != nil {
		return err
	}
	vp, err := d.ptr(vc)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	kernel := "rope_store_f32"
	if kc.Type == quant.F16 {
		kernel = "rope_store_f16"
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	bp, err := d.stageBatch(b)
	if err != nil {
		return err
	}
	d.wrote(q)
	d.wrote(k)
	d.wrote(kc)
	d.wrote(vc)
	params := append([]uint64{qkv[0], qkv[1], qkv[2], kp, vp, bp.pos, bp.slots, i32(nh), i32(nkv)}, rp[:]...)
	return d.launch(kernel, dims{uint32(n), uint32(nh + 2*nkv), 1}, dims{ropeThreads(r.Dims), 1, 1}, 0, params...)
}
