package budget

import (
	"slices"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// fusedDev is a fake device with the fused ops (backend.AddNormer,
// backend.RoPEStorer, backend.ProductAddNormer), recording them as calls;
// addNormDev has backend.AddNormer alone.
type fusedDev struct{ addNormDev }

type addNormDev struct{ fakeDev }

func (f *addNormDev) AddRMSNorm(x, y, dst, w *backend.Tensor, eps float32) error {
	return f.mine("addrmsnorm", x, y, dst, w)
}

func (f *fusedDev) MatMulAddRMSNorm(x, y, a, w, dst, nw *backend.Tensor, eps float32) error {
	return f.mine("matmuladdrmsnorm", x, y, a, w, dst, nw)
}

func (f *fusedDev) RoPEStore(q, k, v, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	return f.mine("ropestore", q, k, v, kc, vc, r.Factors)
}

func (f *fusedDev) MatMulSwiGLU(gate, up, x, wg, wu *backend.Tensor) error {
	return f.mine("matmulswiglu", gate, up, x, wg, wu)
}

func (f *fusedDev) MatMulAttention(out, q, k, v, x, wq, wk, wv, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	return f.mine("matmulattention", out, q, k, v, x, wq, wk, wv, kc, vc, r.Factors)
}

func (f *fusedDev) MatMulRoPEStore(q, k, v, x, wq, wk, wv, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	return f.mine("matmulropestore", q, k, v, x, wq, wk, wv, kc, vc, r.Factors)
}

// ropeStoreDev has backend.AddNormer, backend.RoPEStorer and
// backend.ProductRoPEStorer, as the CUDA device has, and neither
// backend.ProductAttender nor backend.ProductSwiGLUer.
type ropeStoreDev struct{ addNormDev }

func (f *ropeStoreDev) RoPEStore(q, k, v, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	return f.mine("ropestore", q, k, v, kc, vc, r.Factors)
}

func (f *ropeStoreDev) MatMulRoPEStore(q, k, v, x, wq, wk, wv, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	return f.mine("matmulropestore", q, k, v, x, wq, wk, wv, kc, vc, r.Factors)
}

func (f *fusedDev) AllocCache(t quant.Type, blocks, blockSize, kvHeads, headDim int) (*backend.Tensor, error) {
	f.calls = append(f.calls, "alloccache")
	return f.Alloc(t, blocks*blockSize, kvHeads*headDim)
}

// TestFusedReachInner checks that a budgeted device passes the fused ops
// (AddRMSNorm, RoPEStore, MatMulAddRMSNorm, MatMulSwiGLU, MatMulRoPEStore,
// MatMulAttention) and AllocCache to an inner device that has them, with unwrapped tensors
// (the RoPE factors included), and otherwise runs the ops they stand for on
// the inner device, in order: the product and the inner device's
// AddRMSNorm where it has that one alone. AllocCache is charged either way.
func TestFusedReachInner(t *testing.T) {
	for _, tc := range []struct {
		name  string
		inner backend.Device
		want  []string
	}{
		{"with", &fusedDev{}, []string{"addrmsnorm", "ropestore", "matmuladdrmsnorm", "matmulswiglu", "matmulropestore", "matmulattention", "alloccache"}},
		{"ropestore", &ropeStoreDev{}, []string{"addrmsnorm", "ropestore", "matmul", "addrmsnorm",
			"matmul", "matmul", "swiglu", "matmulropestore", "matmulropestore", "attention"}},
		{"addnorm", &addNormDev{}, []string{"addrmsnorm", "rope", "rope", "storekv", "matmul", "addrmsnorm",
			"matmul", "matmul", "swiglu", "matmul", "matmul", "matmul", "rope", "rope", "storekv",
			"matmul", "matmul", "matmul", "rope", "rope", "storekv", "attention"}},
		{"without", &fakeDev{}, []string{"add", "rmsnorm", "rope", "rope", "storekv", "matmul", "add", "rmsnorm",
			"matmul", "matmul", "swiglu", "matmul", "matmul", "matmul", "rope", "rope", "storekv",
			"matmul", "matmul", "matmul", "rope", "rope", "storekv", "attention"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acct := New("fake", 1<<20)
			d := Wrap(tc.inner, acct)
			an, ok := d.(backend.AddNormer)
			if !ok {
				t.Fatal("budgeted device is not an AddNormer")
			}
			rs, ok := d.(backend.RoPEStorer)
			if !ok {
				t.Fatal("budgeted device is not a RoPEStorer")
			}
			alloc := func(rows, cols int) *backend.Tensor {
				x, err := d.Alloc(quant.F32, rows, cols)
				if err != nil {
					t.Fatal(err)
				}
				return x
			}
			x, y, dst, w := alloc(2, 8), alloc(2, 8), alloc(2, 8), alloc(1, 8)
			if err := an.AddRMSNorm(x, y, dst, w, 1e-5); err != nil {
				t.Fatal(err)
			}
			q, k, v := alloc(2, 8), alloc(2, 4), alloc(2, 4)
			kc, vc := alloc(8, 4), alloc(8, 4)
			r := &backend.RoPE{Dims: 4, Base: 1e4, Factors: alloc(1, 2)}
			a := &backend.Attn{Heads: 2, KVHeads: 1, HeadDim: 4, Scale: 0.5}
			b := &backend.Batch{Pos: []int32{0, 1}, Slots: []int32{0, 1}}
			if err := rs.RoPEStore(q, k, v, kc, vc, a, r, b); err != nil {
				t.Fatal(err)
			}
			pn, ok := d.(backend.ProductAddNormer)
			if !ok {
				t.Fatal("budgeted device is not a ProductAddNormer")
			}
			act, wm := alloc(2, 4), alloc(8, 4)
			if err := pn.MatMulAddRMSNorm(x, y, act, wm, dst, w, 1e-5); err != nil {
				t.Fatal(err)
			}
			ps, ok := d.(backend.ProductSwiGLUer)
			if !ok {
				t.Fatal("budgeted device is not a ProductSwiGLUer")
			}
			gate, up := alloc(2, 8), alloc(2, 8)
			if err := ps.MatMulSwiGLU(gate, up, act, wm, alloc(8, 4)); err != nil {
				t.Fatal(err)
			}
			prs, ok := d.(backend.ProductRoPEStorer)
			if !ok {
				t.Fatal("budgeted device is not a ProductRoPEStorer")
			}
			if err := prs.MatMulRoPEStore(q, k, v, act, wm, alloc(4, 4), alloc(4, 4), kc, vc, a, r, b); err != nil {
				t.Fatal(err)
			}
			pa, ok := d.(backend.ProductAttender)
			if !ok {
				t.Fatal("budgeted device is not a ProductAttender")
			}
			if err := pa.MatMulAttention(alloc(2, 8), q, k, v, act, wm, alloc(4, 4), alloc(4, 4), kc, vc, a, r, b); err != nil {
				t.Fatal(err)
			}
			ca, ok := d.(backend.CacheAllocator)
			if !ok {
				t.Fatal("budgeted device is not a CacheAllocator")
			}
			before := acct.Usage().Used
			c, err := ca.AllocCache(quant.F32, 2, 4, 1, 4)
			if err != nil {
				t.Fatal(err)
			}
			if got := acct.Usage().Used - before; got != 2*4*4*4 {
				t.Errorf("a cache of 32 floats charged %d bytes, want 128", got)
			}
			d.Free(c)
			if got := acct.Usage().Used; got != before {
				t.Errorf("freed cache left %d bytes charged, want %d", got, before)
			}
			var calls []string
			switch in := tc.inner.(type) {
			case *fusedDev:
				calls = in.calls
			case *ropeStoreDev:
				calls = in.calls
			case *addNormDev:
				calls = in.calls
			case *fakeDev:
				calls = in.calls
			}
			if !slices.Equal(calls, tc.want) {
				t.Errorf("inner device saw %q, want %q", calls, tc.want)
			}
		})
	}
}
