package budget

import "github.com/tern-llm/tern/backend"

// AddRMSNorm gives the inner device the residual addition and the norm as
// one op when it has backend.AddNormer, and runs Add then RMSNorm
// otherwise.
func (d *Device) AddRMSNorm(x, y, dst, w *backend.Tensor, eps float32) error {
	if an, ok := d.Device.(backend.AddNormer); ok {
		return an.AddRMSNorm(un(x), un(y), un(dst), un(w), eps)
	}
	if err := d.Add(x, x, y); err != nil {
		return err
	}
	return d.RMSNorm(dst, x, w, eps)
}

// RoPEStore gives the inner device the rotations and the KV store as one
// op when it has backend.RoPEStorer, and runs RoPE, RoPE and StoreKV
// otherwise.
func (d *Device) RoPEStore(q, k, v, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	rs, ok := d.Device.(backend.RoPEStorer)
	if !ok {
		if err := d.RoPE(q, a.Heads, r, b); err != nil {
			return err
		}
		if err := d.RoPE(k, a.KVHeads, r, b); err != nil {
			return err
		}
		return d.StoreKV(kc, vc, k, v, b)
	}
	if r != nil && r.Factors != nil {
		rr := *r
		rr.Factors = un(r.Factors)
		r = &rr
	}
	return rs.RoPEStore(un(q), un(k), un(v), un(kc), un(vc), a, r, b)
}
