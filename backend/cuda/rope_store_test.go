package cuda

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

// TestMatMulRoPEStore checks the q, k and v products with RoPE and the KV
// store in one op against MatMulShared then RoPEStore on the GPU, bit for
// bit, for every weight type and both caches; where the op can rotate in
// the products' launch (one token, adjacent pairs, whole row blocks) it
// must (ropeInProduct), elsewhere it takes the two ops itself.
func TestMatMulRoPEStore(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(29, 29))
	const k, slots = 256, 37
	types := []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K}
	for _, typ := range types {
		for _, cache := range []quant.Type{quant.F32, quant.F16} {
			for _, tc := range []struct {
				name          string
				n, h, kvh, hd int
				r             backend.RoPE
				factors       bool
				// rotated in the products' launch where blocks are of 4
				// rows (F32, F16, BF16, Q4_K), and where they are of 8
				fused4, fused8 bool
			}{
				{"decode", 1, 4, 2, 64, backend.RoPE{Dims: 64, Base: 10000}, false, true, true},
				{"partial", 1, 2, 2, 96, backend.RoPE{Dims: 34, Base: 10000}, false, true, true},
				{"factors", 1, 2, 1, 128, backend.RoPE{Dims: 128, Base: 500000}, true, true, true},
				{"yarn", 1, 2, 1, 64, backend.RoPE{Dims: 64, Base: 10000, FreqScale: 0.25, ExtFactor: 1, AttnFactor: 1, BetaFast: 32, BetaSlow: 1, OrigCtx: 4096}, false, true, true},
				{"neox", 1, 4, 2, 64, backend.RoPE{Dims: 64, Base: 10000, NeoX: true}, false, false, false},
				{"rows", 1, 3, 1, 12, backend.RoPE{Dims: 12, Base: 10000}, false, true, false},    // 12-wide k and v
				{"odd head", 1, 8, 8, 9, backend.RoPE{Dims: 8, Base: 10000}, false, false, false}, // 72-wide rows: pairs would cross heads
				{"two tokens", 2, 4, 2, 64, backend.RoPE{Dims: 64, Base: 10000}, false, false, false},
			} {
				name := fmt.Sprintf("%s/%s/%s", typ, cache, tc.name)
				qw, kw := tc.h*tc.hd, tc.kvh*tc.hd
				x := f32Pair(t, host, dev, tc.n, k, randF32(rng, tc.n*k, 1))
				wt := func(rows int) *backend.Tensor {
					return newPair(t, host, dev, typ, rows, k, encode(t, typ, rows, k, randF32(rng, rows*k, 0.5))).g
				}
				wq, wk, wv := wt(qw), wt(kw), wt(kw)
				out := func(cols int) [2]*backend.Tensor {
					p := f32Pair(t, host, dev, tc.n, cols, randF32(rng, tc.n*cols, 1))
					return [2]*backend.Tensor{p.g, gpuCopy(t, host, dev, p.g).g}
				}
				q, kk, v := out(qw), out(kw), out(kw)
				caches := func() [2]*backend.Tensor {
					p := newPair(t, host, dev, cache, slots, kw, encode(t, cache, slots, kw, randF32(rng, slots*kw, 1)))
					return [2]*backend.Tensor{p.g, gpuCopy(t, host, dev, p.g).g}
				}
				kc, vc := caches(), caches()
				r := tc.r
				if tc.factors {
					f := make([]float32, r.Dims/2)
					for i := range f {
						f[i] = 1 + 7*rng.Float32()
					}
					r.Factors = f32Pair(t, host, dev, 1, r.Dims/2, f).g
				}
				b := &backend.Batch{}
				for _, s := range rng.Perm(slots)[:tc.n] {
					b.Pos = append(b.Pos, int32(1+rng.IntN(5000)))
					b.Slots = append(b.Slots, int32(s))
				}
				at := &backend.Attn{Heads: tc.h, KVHeads: tc.kvh, HeadDim: tc.hd, Scale: 0.1}
				want := tc.fused8
				if oneTokenRows(typ) == mvWarps {
					want = tc.fused4
				}
				if got := tc.n == 1 && ropeInProduct(typ, at, &r, q[0], kk[0], v[0]); got != want {
					t.Errorf("%s: rotated in the products' launch %v, want %v", name, got, want)
				}
				if err := dev.MatMulRoPEStore(q[0], kk[0], v[0], x.g, wq, wk, wv, kc[0], vc[0], at, &r, b); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := dev.MatMulShared([]*backend.Tensor{q[1], kk[1], v[1]}, x.g, []*backend.Tensor{wq, wk, wv}); err != nil {
					t.Fatal(err)
				}
				if err := dev.RoPEStore(q[1], kk[1], v[1], kc[1], vc[1], at, &r, b); err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					p    [2]*backend.Tensor
					what string
				}{{q, "q"}, {kk, "k"}, {v, "v"}, {kc, "k cache"}, {vc, "v cache"}} {
					sameBits(t, dev, c.p[0], c.p[1], name+"/"+c.what)
				}
			}
		}
	}
}
