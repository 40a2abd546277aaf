package cuda

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

// The fused kernels must give the bits of the kernels they replace: each
// test runs the fused op and the unfused ops on the GPU with the same
// random, non-zero inputs and requires equal bytes, and checks the fused
// op against the CPU backend's plain ops by relative error.

// gpuBytes downloads a GPU tensor.
func gpuBytes(t testing.TB, dev *Device, g *backend.Tensor) []byte {
	t.Helper()
	b := make([]byte, g.Bytes())
	if err := dev.Download(b, g); err != nil {
		t.Fatal(err)
	}
	return b
}

// sameBits requires two GPU tensors to hold the same bytes.
func sameBits(t testing.TB, dev *Device, got, want *backend.Tensor, what string) {
	t.Helper()
	if !bytes.Equal(gpuBytes(t, dev, got), gpuBytes(t, dev, want)) {
		t.Errorf("%s: fused result differs from the unfused kernels'", what)
	}
}

// gpuCopy is a new GPU tensor holding what g holds.
func gpuCopy(t testing.TB, host *cpu.Device, dev *Device, g *backend.Tensor) pair {
	t.Helper()
	return newPair(t, host, dev, g.Type, g.Rows, g.Cols, gpuBytes(t, dev, g))
}

// convOf is the conversion a product with weights of type typ takes.
var convOf = map[quant.Type]string{
	quant.F16: "to_f16", quant.BF16: "to_bf16", quant.Q8_0: "quantize_q8_0", quant.Q4_0: "quantize_q8_0",
	quant.Q4_K: "quantize_q8_k", quant.Q6_K: "quantize_q8_k",
}

// primeConv runs a product with weights of type typ on n×k input, so that
// the next op that converts as it writes converts for typ: the one-token
// products' conversion (convHint) below mmaMinTokens rows, the tensor-core
// products' (mmaHint) from there. It returns that conversion: wantConv, or
// for a tensor-core product that converted nothing (mm_*, which read F32),
// none.
func primeConv(t testing.TB, host *cpu.Device, dev *Device, rng *rand.Rand, typ quant.Type, n, k int) string {
	t.Helper()
	x := f32Pair(t, host, dev, n, k, randF32(rng, n*k, 1))
	w := newPair(t, host, dev, typ, 64, k, encode(t, typ, 64, k, randF32(rng, 64*k, 0.5)))
	out := f32Pair(t, host, dev, n, 64, nil)
	dev.forget()
	if err := dev.MatMul(out.g, x.g, w.g); err != nil {
		t.Fatal(err)
	}
	hint := dev.convHint
	if n >= mmaMinTokens {
		hint = dev.mmaHint
	}
	if hint != wantConv(typ, n) && (n < mmaMinTokens || hint != "") {
		t.Fatalf("a %s product of %d rows leaves the conversion hint %q", typ, n, hint)
	}
	return hint
}

// wantConv is the conversion of n rows that a product with weights of type
// typ takes: convOf for one-token products, F16 or BF16 for the tensor-core
// ones.
func wantConv(typ quant.Type, n int) string {
	switch {
	case n < mmaMinTokens:
		return convOf[typ]
	case typ == quant.BF16:
		return "to_bf16"
	}
	return "to_f16"
}

// checkConverted requires the conversion cache to hold conversion conv
// of tensor g (written by a fused op), or, when conv is "", not to.
func checkConverted(t testing.TB, dev *Device, g *backend.Tensor, conv, what string) {
	t.Helper()
	p, err := dev.ptr(g)
	if err != nil {
		t.Fatal(err)
	}
	c := &dev.conv
	has := c.valid && c.src == p && c.n == g.Rows && c.k == g.Cols
	if conv == "" && has {
		t.Errorf("%s: converted by %s, want no conversion", what, c.kernel)
	}
	if conv != "" && (!has || c.kernel != conv) {
		t.Errorf("%s: output not converted by %s (cache %+v)", what, conv, *c)
	}
}

// TestAddRMSNorm checks add_rmsnorm_f32 against add_f32 then rmsnorm_f32
// (bit for bit) and the CPU's Add then RMSNorm, with dst apart from y and
// dst = y (as the model calls it), for short rows, rows of odd length and
// rows longer than the kernel keeps in registers.
func TestAddRMSNorm(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(21, 21))
	for _, s := range []struct{ n, d int }{{1, 1}, {1, 2048}, {3, 4097}, {5, 31}, {2, 9000}, {33, 64}, {17, 2048}} {
		for _, alias := range []bool{false, true} {
			name := fmt.Sprintf("%dx%d/alias=%v", s.n, s.d, alias)
			dev.forget() // no conversion: the plain kernels
			x := f32Pair(t, host, dev, s.n, s.d, randF32(rng, s.n*s.d, 3))
			y := f32Pair(t, host, dev, s.n, s.d, randF32(rng, s.n*s.d, 3))
			w := f32Pair(t, host, dev, 1, s.d, randF32(rng, s.d, 1))
			x2, y2 := gpuCopy(t, host, dev, x.g), gpuCopy(t, host, dev, y.g)
			dst, dst2 := y, y2
			if !alias {
				dst, dst2 = f32Pair(t, host, dev, s.n, s.d, nil), f32Pair(t, host, dev, s.n, s.d, nil)
				poison(t, dev, dst.g)
			}
			if err := dev.AddRMSNorm(x.g, y.g, dst.g, w.g, 1e-5); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := dev.Add(x2.g, x2.g, y2.g); err != nil {
				t.Fatal(err)
			}
			if err := dev.RMSNorm(dst2.g, x2.g, w.g, 1e-5); err != nil {
				t.Fatal(err)
			}
			sameBits(t, dev, x.g, x2.g, name+"/sum")
			sameBits(t, dev, dst.g, dst2.g, name+"/norm")
			if err := host.Add(x.c, x.c, y.c); err != nil {
				t.Fatal(err)
			}
			if err := host.RMSNorm(dst.c, x.c, w.c, 1e-5); err != nil {
				t.Fatal(err)
			}
			compare(t, dev, x, 1e-6, name+"/sum")
			compare(t, dev, dst, 1e-5, name+"/norm")
		}
	}
}

// TestAddRMSNormConverts checks the add_rmsnorm and rmsnorm kernels that
// convert their output for the next product: after a product of each
// weight type, the op leaves its conversion in the cache, and a product
// reading its output gives the bits it gives after the standalone
// conversion kernel (rows shorter and longer than the registers hold).
func TestAddRMSNormConverts(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(22, 22))
	for _, typ := range []quant.Type{quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K} {
		for _, s := range []struct{ n, d int }{{1, 2048}, {3, 4096}, {1, 9216}, {2, 768}, {17, 2048}, {33, 4096}} {
			name := fmt.Sprintf("%s/%dx%d", typ, s.n, s.d)
			x := f32Pair(t, host, dev, s.n, s.d, randF32(rng, s.n*s.d, 3))
			y := f32Pair(t, host, dev, s.n, s.d, randF32(rng, s.n*s.d, 3))
			w := f32Pair(t, host, dev, 1, s.d, randF32(rng, s.d, 1))
			wm := newPair(t, host, dev, typ, 37, s.d, encode(t, typ, 37, s.d, randF32(rng, 37*s.d, 0.5)))
			x2, y2 := gpuCopy(t, host, dev, x.g), gpuCopy(t, host, dev, y.g)
			dst, dst2 := f32Pair(t, host, dev, s.n, s.d, nil), f32Pair(t, host, dev, s.n, s.d, nil)
			out, out2 := f32Pair(t, host, dev, s.n, 37, nil), f32Pair(t, host, dev, s.n, 37, nil)

			conv := primeConv(t, host, dev, rng, typ, s.n, s.d)
			if err := dev.AddRMSNorm(x.g, y.g, dst.g, w.g, 1e-6); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkConverted(t, dev, dst.g, conv, name)
			if err := dev.MatMul(out.g, dst.g, wm.g); err != nil {
				t.Fatal(err)
			}

			// RMSNorm alone converts as it writes too
			out3 := f32Pair(t, host, dev, s.n, 37, nil)
			if err := dev.Add(x2.g, x2.g, y2.g); err != nil {
				t.Fatal(err)
			}
			if err := dev.RMSNorm(dst2.g, x2.g, w.g, 1e-6); err != nil {
				t.Fatal(err)
			}
			checkConverted(t, dev, dst2.g, conv, name+"/rmsnorm")
			if err := dev.MatMul(out3.g, dst2.g, wm.g); err != nil {
				t.Fatal(err)
			}
			dev.forget() // the product converts with the standalone kernel
			if err := dev.MatMul(out2.g, dst2.g, wm.g); err != nil {
				t.Fatal(err)
			}
			sameBits(t, dev, dst.g, dst2.g, name+"/norm")
			sameBits(t, dev, out.g, out2.g, name+"/product")
			sameBits(t, dev, out3.g, out2.g, name+"/rmsnorm product")

			if err := host.Add(x.c, x.c, y.c); err != nil {
				t.Fatal(err)
			}
			if err := host.RMSNorm(dst.c, x.c, w.c, 1e-6); err != nil {
				t.Fatal(err)
			}
			if err := host.MatMul(out.c, dst.c, wm.c); err != nil {
				t.Fatal(err)
			}
			compare(t, dev, dst, 1e-5, name+"/norm")
			compare(t, dev, out, tolFor(typ), name+"/product")
		}
	}
}

// TestRoPEStore checks rope_store_* against rope_f32 on q, rope_f32 on k
// and store_kv (bit for bit: q, k and both caches) and the CPU's RoPE,
// RoPE and StoreKV, for F32 and F16 caches, full and partial rotations,
// frequency factors and YaRN, over scattered cache rows.
func TestRoPEStore(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(23, 23))
	for _, cache := range []quant.Type{quant.F32, quant.F16} {
		for _, tc := range []struct {
			name          string
			n, h, kvh, hd int
			r             backend.RoPE
			factors       bool
		}{
			{"normal", 5, 8, 4, 8, backend.RoPE{Dims: 8, Base: 10000}, false},
			{"decode", 1, 32, 4, 64, backend.RoPE{Dims: 64, Base: 10000}, false},
			{"neox", 3, 4, 4, 64, backend.RoPE{Dims: 64, Base: 1e6, NeoX: true}, false},
			{"partial", 4, 3, 1, 80, backend.RoPE{Dims: 32, Base: 10000, NeoX: true}, false},
			{"partial-normal", 2, 2, 2, 96, backend.RoPE{Dims: 34, Base: 10000}, false},
			{"factors", 6, 4, 2, 128, backend.RoPE{Dims: 128, Base: 500000}, true},
			{"yarn", 7, 2, 1, 64, backend.RoPE{Dims: 64, Base: 10000, FreqScale: 0.25, ExtFactor: 1, AttnFactor: 1, BetaFast: 32, BetaSlow: 1, OrigCtx: 4096}, false},
			{"wide", 3, 2, 1, 256, backend.RoPE{Dims: 256, Base: 10000}, false},
			// steps of ropeRowsMin tokens or more: a block per token
			{"prompt", 40, 8, 2, 64, backend.RoPE{Dims: 64, Base: 10000}, false},
			{"prompt-neox-partial", 17, 3, 1, 80, backend.RoPE{Dims: 32, Base: 10000, NeoX: true}, false},
			{"prompt-factors", 16, 4, 2, 128, backend.RoPE{Dims: 128, Base: 500000}, true},
			{"prompt-yarn-wide", 21, 2, 1, 256, backend.RoPE{Dims: 256, Base: 10000, FreqScale: 0.25, ExtFactor: 1, AttnFactor: 1, BetaFast: 32, BetaSlow: 1, OrigCtx: 4096}, false},
		} {
			name := fmt.Sprintf("%s/%s", cache, tc.name)
			const rows = 61
			qw, kw := tc.h*tc.hd, tc.kvh*tc.hd
			q := f32Pair(t, host, dev, tc.n, qw, randF32(rng, tc.n*qw, 2))
			k := f32Pair(t, host, dev, tc.n, kw, randF32(rng, tc.n*kw, 2))
			v := f32Pair(t, host, dev, tc.n, kw, randF32(rng, tc.n*kw, 2))
			kc := newPair(t, host, dev, cache, rows, kw, encode(t, cache, rows, kw, randF32(rng, rows*kw, 1)))
			vc := newPair(t, host, dev, cache, rows, kw, encode(t, cache, rows, kw, randF32(rng, rows*kw, 1)))
			q2, k2 := gpuCopy(t, host, dev, q.g), gpuCopy(t, host, dev, k.g)
			kc2, vc2 := gpuCopy(t, host, dev, kc.g), gpuCopy(t, host, dev, vc.g)
			r := tc.r
			rc, rg := r, r
			if tc.factors {
				f := make([]float32, r.Dims/2)
				for i := range f {
					f[i] = 1 + 7*rng.Float32()
				}
				fp := f32Pair(t, host, dev, 1, r.Dims/2, f)
				rc.Factors, rg.Factors = fp.c, fp.g
			}
			b := &backend.Batch{}
			for i, slot := range rng.Perm(rows)[:tc.n] {
				b.Pos = append(b.Pos, int32(rng.IntN(5000)))
				b.Slots = append(b.Slots, int32(slot))
				if i == 0 {
					b.Pos[0] = 0
				}
			}
			at := &backend.Attn{Heads: tc.h, KVHeads: tc.kvh, HeadDim: tc.hd, Scale: 0.1}
			if err := dev.RoPEStore(q.g, k.g, v.g, kc.g, vc.g, at, &rg, b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := dev.RoPE(q2.g, tc.h, &rg, b); err != nil {
				t.Fatal(err)
			}
			if err := dev.RoPE(k2.g, tc.kvh, &rg, b); err != nil {
				t.Fatal(err)
			}
			if err := dev.StoreKV(kc2.g, vc2.g, k2.g, v.g, b); err != nil {
				t.Fatal(err)
			}
			sameBits(t, dev, q.g, q2.g, name+"/q")
			sameBits(t, dev, k.g, k2.g, name+"/k")
			sameBits(t, dev, kc.g, kc2.g, name+"/k cache")
			sameBits(t, dev, vc.g, vc2.g, name+"/v cache")

			if err := host.RoPE(q.c, tc.h, &rc, b); err != nil {
				t.Fatal(err)
			}
			if err := host.RoPE(k.c, tc.kvh, &rc, b); err != nil {
				t.Fatal(err)
			}
			if err := host.StoreKV(kc.c, vc.c, k.c, v.c, b); err != nil {
				t.Fatal(err)
			}
			compare(t, dev, q, 1e-5, name+"/q")
			compare(t, dev, k, 1e-5, name+"/k")
			for _, c := range []struct {
				p    pair
				what string
			}{{kc, "k cache"}, {vc, "v cache"}} {
				want := make([]float32, c.p.c.Elements())
				got := make([]float32, c.p.g.Elements())
				for i, x := range []struct {
					dst []float32
					t   *backend.Tensor
					dev backend.Device
				}{{want, c.p.c, host}, {got, c.p.g, dev}} {
					raw := make([]byte, x.t.Bytes())
					if err := x.dev.Download(raw, x.t); err != nil {
						t.Fatal(err)
					}
					if err := quant.Dequantize(cache, x.dst, raw); err != nil {
						t.Fatalf("%s: %s %d: %v", name, c.what, i, err)
					}
				}
				if d := maxDiff(got, want); d > 2e-3 {
					t.Errorf("%s: %s differs from the CPU's by %g", name, c.what, d)
				}
			}
		}
	}
	// shape errors before any launch
	f := func(rows, cols int) *backend.Tensor {
		x, err := dev.Alloc(quant.F32, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dev.Free(x) })
		return x
	}
	at := &backend.Attn{Heads: 2, KVHeads: 1, HeadDim: 8}
	r := &backend.RoPE{Dims: 8, Base: 1e4}
	b := &backend.Batch{Pos: []int32{0, 1}, Slots: []int32{0, 1}}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"q width", dev.RoPEStore(f(2, 8), f(2, 8), f(2, 8), f(4, 8), f(4, 8), at, r, b)},
		{"slot", dev.RoPEStore(f(2, 16), f(2, 8), f(2, 8), f(4, 8), f(4, 8), at, r, &backend.Batch{Pos: b.Pos, Slots: []int32{0, 4}})},
		{"dims", dev.RoPEStore(f(2, 16), f(2, 8), f(2, 8), f(4, 8), f(4, 8), at, &backend.RoPE{Dims: 10, Base: 1e4}, b)},
		{"slots", dev.RoPEStore(f(2, 16), f(2, 8), f(2, 8), f(4, 8), f(4, 8), at, r, &backend.Batch{Pos: b.Pos})},
	} {
		if tc.err == nil {
			t.Errorf("rope-store: bad %s accepted", tc.name)
		}
	}
}

// TestAttentionConverts checks the attention kernels that convert their
// output for the output projection: after a product of each weight type,
// attention over a decode batch (one block per query head) leaves its
// conversion in the cache where the kernels have one (Q8_0 only for head
// sizes that are multiples of 32), and the product reading its output
// gives the bits it gives after the standalone conversion kernel.
func TestAttentionConverts(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(24, 24))
	const bs = 4
	for _, cache := range []quant.Type{quant.F32, quant.F16} {
		for _, typ := range []quant.Type{quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K} {
			for _, s := range []struct{ heads, kv, hd int }{{32, 4, 64}, {4, 2, 128}, {8, 1, 32}, {2, 1, 256}, {4, 2, 40}, {8, 4, 8}} {
				name := fmt.Sprintf("%s/%s/h%d_kv%d_hd%d", cache, typ, s.heads, s.kv, s.hd)
				width := s.heads * s.hd
				if width%typ.BlockSize() != 0 {
					continue
				}
				want := convOf[typ]
				if !attConverts(want, s.hd) {
					want = ""
				}
				tables := [][]int32{{9, 3, 5, 7, 1, 11}, {20, 18, 16, 14, 12, 10}}
				kvw := s.kv * s.hd
				kc := newPair(t, host, dev, cache, 24*bs, kvw, encode(t, cache, 24*bs, kvw, randF32(rng, 24*bs*kvw, 1)))
				vc := newPair(t, host, dev, cache, 24*bs, kvw, encode(t, cache, 24*bs, kvw, randF32(rng, 24*bs*kvw, 1)))
				a := &backend.Attn{Heads: s.heads, KVHeads: s.kv, HeadDim: s.hd, Scale: 0.2}
				// a decode step of one sequence, then of both (a token each)
				for _, b := range []*backend.Batch{
					{Pos: []int32{17}, Seq: []int32{0}, Tables: tables[:1], BlockSize: bs},
					{Pos: []int32{22, 9}, Seq: []int32{0, 1}, Tables: tables, BlockSize: bs},
				} {
					n := b.Len()
					what := fmt.Sprintf("%s/n%d", name, n)
					q := f32Pair(t, host, dev, n, width, randF32(rng, n*width, 1))
					wo := newPair(t, host, dev, typ, 45, width, encode(t, typ, 45, width, randF32(rng, 45*width, 0.5)))
					att, att2 := f32Pair(t, host, dev, n, width, nil), f32Pair(t, host, dev, n, width, nil)
					out, out2 := f32Pair(t, host, dev, n, 45, nil), f32Pair(t, host, dev, n, 45, nil)
					poison(t, dev, att.g)

					primeConv(t, host, dev, rng, typ, 1, width)
					if err := dev.Attention(att.g, q.g, kc.g, vc.g, a, b); err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					checkConverted(t, dev, att.g, want, what)
					if err := dev.MatMul(out.g, att.g, wo.g); err != nil {
						t.Fatal(err)
					}
					dev.forget() // plain attention, the standalone conversion
					if err := dev.Attention(att2.g, q.g, kc.g, vc.g, a, b); err != nil {
						t.Fatal(err)
					}
					checkConverted(t, dev, att2.g, "", what+"/plain")
					if err := dev.MatMul(out2.g, att2.g, wo.g); err != nil {
						t.Fatal(err)
					}
					sameBits(t, dev, att.g, att2.g, what+"/attention")
					sameBits(t, dev, out.g, out2.g, what+"/product")

					if err := host.Attention(att.c, q.c, kc.c, vc.c, a, b); err != nil {
						t.Fatal(err)
					}
					if err := host.MatMul(out.c, att.c, wo.c); err != nil {
						t.Fatal(err)
					}
					compare(t, dev, att, tolFor(cache), what+"/attention")
					compare(t, dev, out, tolFor(typ), what+"/product")
				}
			}
		}
	}
}

// TestAttentionLongTable runs attention over a sequence of 700 and of 3000
// one-position blocks in shuffled order (a block table of many cache
// lines), for a decode step (split along the positions: 4 and 16 runs, and
// not split) and for five tokens (the grouped kernels; the tiled ones,
// split too), against the CPU.
func TestAttentionLongTable(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	defer func() { attSplit = true }()
	rng := rand.New(rand.NewPCG(27, 27))
	for _, tc := range []struct {
		ctx   int
		split bool
	}{{700, true}, {3000, true}, {700, false}} {
		attSplit = tc.split
		longTable(t, dev, host, rng, tc.ctx, fmt.Sprintf("ctx%d/split=%v", tc.ctx, tc.split))
	}
}

func longTable(t *testing.T, dev *Device, host *cpu.Device, rng *rand.Rand, ctx int, what string) {
	rows := ctx + 20
	table := make([]int32, ctx)
	for i, r := range rng.Perm(rows)[:ctx] {
		table[i] = int32(r)
	}
	for _, cache := range []quant.Type{quant.F32, quant.F16} {
		for _, s := range []struct{ heads, kv, hd int }{{8, 2, 64}, {4, 4, 128}, {6, 3, 40}} {
			name := fmt.Sprintf("%s/%s/h%d_kv%d_hd%d", what, cache, s.heads, s.kv, s.hd)
			width, kvw := s.heads*s.hd, s.kv*s.hd
			kc := newPair(t, host, dev, cache, rows, kvw, encode(t, cache, rows, kvw, randF32(rng, rows*kvw, 1)))
			vc := newPair(t, host, dev, cache, rows, kvw, encode(t, cache, rows, kvw, randF32(rng, rows*kvw, 1)))
			a := &backend.Attn{Heads: s.heads, KVHeads: s.kv, HeadDim: s.hd, Scale: 0.1}
			for _, n := range []int{1, 5} {
				b := &backend.Batch{Tables: [][]int32{table}, BlockSize: 1}
				for i := range n {
					b.Pos = append(b.Pos, int32(ctx-n+i))
					b.Seq = append(b.Seq, 0)
					b.Slots = append(b.Slots, table[ctx-n+i])
				}
				q := f32Pair(t, host, dev, n, width, randF32(rng, n*width, 1))
				out := f32Pair(t, host, dev, n, width, nil)
				c, err := dev.attPrep(out.g, q.g, kc.g, vc.g, a, b)
				if err != nil {
					t.Fatal(err)
				}
				if split := dev.attSplits(c, b) > 1; split != (attSplit && (n == 1 || c.tiled)) {
					t.Errorf("%s/n%d: split %v", name, n, split)
				}
				poison(t, dev, out.g)
				dev.forget()
				if err := dev.Attention(out.g, q.g, kc.g, vc.g, a, b); err != nil {
					t.Fatalf("%s/n%d: %v", name, n, err)
				}
				if err := host.Attention(out.c, q.c, kc.c, vc.c, a, b); err != nil {
					t.Fatal(err)
				}
				compare(t, dev, out, tolFor(cache), fmt.Sprintf("%s/n%d", name, n))
			}
		}
	}
}

// TestSwiGLUConverts checks the SwiGLU kernels that convert their output
// for the next product (from registers; Q8_K after the chunk is written):
// after a product of each weight type, SwiGLU leaves its conversion in the
// cache, and a product reading its output gives the bits it gives after
// the standalone conversion kernel; rows of whole and partial chunks.
func TestSwiGLUConverts(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(28, 28))
	for _, typ := range []quant.Type{quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K} {
		for _, s := range []struct{ n, d int }{{1, 5632}, {3, 768}, {1, 2816}, {2, 4352}, {1, 96}, {17, 768}, {33, 2816}} {
			if s.d%typ.BlockSize() != 0 {
				continue
			}
			name := fmt.Sprintf("%s/%dx%d", typ, s.n, s.d)
			g := f32Pair(t, host, dev, s.n, s.d, randF32(rng, s.n*s.d, 3))
			u := f32Pair(t, host, dev, s.n, s.d, randF32(rng, s.n*s.d, 3))
			wm := newPair(t, host, dev, typ, 21, s.d, encode(t, typ, 21, s.d, randF32(rng, 21*s.d, 0.5)))
			dst := f32Pair(t, host, dev, s.n, s.d, nil)
			out, out2 := f32Pair(t, host, dev, s.n, 21, nil), f32Pair(t, host, dev, s.n, 21, nil)
			poison(t, dev, dst.g)
			conv := primeConv(t, host, dev, rng, typ, s.n, s.d)
			if err := dev.SwiGLU(dst.g, g.g, u.g); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkConverted(t, dev, dst.g, conv, name)
			if err := dev.MatMul(out.g, dst.g, wm.g); err != nil {
				t.Fatal(err)
			}
			dev.forget()
			if err := dev.MatMul(out2.g, dst.g, wm.g); err != nil {
				t.Fatal(err)
			}
			sameBits(t, dev, out.g, out2.g, name+"/product")
			if err := host.SwiGLU(dst.c, g.c, u.c); err != nil {
				t.Fatal(err)
			}
			if err := host.MatMul(out.c, dst.c, wm.c); err != nil {
				t.Fatal(err)
			}
			compare(t, dev, dst, 1e-5, name+"/swiglu")
			compare(t, dev, out, tolFor(typ), name+"/product")
		}
	}
}
