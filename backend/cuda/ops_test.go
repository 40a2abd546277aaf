package cuda

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

// The op tests run each op on the GPU and on the CPU backend with the same
// random, non-zero inputs of odd sizes, and compare by relative error.

var weightTypes = []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K}

func TestMatMul(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, typ := range weightTypes {
		for _, s := range []struct{ n, k, m int }{
			{1, 32, 1}, {1, 64, 7}, {1, 256, 67}, {1, 4096, 33}, {3, 96, 33}, {8, 512, 19},
			{9, 160, 5}, {17, 1024, 45}, {1, 11008 - 2*32, 3}, // long rows, 16-byte and 2-byte loads
			{1, 172, 13}, {5, 7, 3}, {2, 1000, 9}, // float formats: any row length
			{1, 96, 20011}, {1, 1024, 9001}, // many rows
			{1, 2816, 11}, {3, 768, 70}, // K-quants: odd block counts
			{1, 5632, 21}, {1, 3072, 40}, // Q6_K rows 4-byte aligned only (22 and 12 blocks)
			// tensor cores (n ≥ mmaMinTokens): tails of rows and tokens
			{16, 256, 130}, {19, 100, 37}, {33, 7, 5}, {64, 512, 128},
			{77, 768, 300}, {100, 2048, 129}, {130, 4352, 33},
		} {
			if typ.BlockSize() > 1 && s.k%typ.BlockSize() != 0 {
				continue
			}
			name := fmt.Sprintf("%s/n%d_k%d_m%d", typ, s.n, s.k, s.m)
			compare(t, dev, randomProduct(t, host, dev, rng, typ, s.n, s.k, s.m), tolFor(typ), name)
		}
		compare(t, dev, viewedProduct(t, host, dev, rng, typ), tolFor(typ), fmt.Sprintf("%s/views", typ))
	}
}

// randomProduct runs on both devices the product of n×k random
// activations and m×k random weights of type typ, and returns the outputs.
func randomProduct(t testing.TB, host *cpu.Device, dev *Device, rng *rand.Rand, typ quant.Type, n, k, m int) pair {
	t.Helper()
	x := f32Pair(t, host, dev, n, k, randF32(rng, n*k, 1))
	w := newPair(t, host, dev, typ, m, k, encode(t, typ, m, k, randF32(rng, m*k, 0.5)))
	return product(t, host, dev, x, w, n, m)
}

// product runs out = x·wᵀ (n×m) on both devices and returns out.
func product(t testing.TB, host *cpu.Device, dev *Device, x, w pair, n, m int) pair {
	t.Helper()
	out := f32Pair(t, host, dev, n, m, nil)
	poison(t, dev, out.g)
	if err := host.MatMul(out.c, x.c, w.c); err != nil {
		t.Fatal(err)
	}
	if err := dev.MatMul(out.g, x.g, w.g); err != nil {
		t.Fatalf("%s %d×%d · %d×%dᵀ: %v", w.g.Type, n, x.g.Cols, m, w.g.Cols, err)
	}
	return out
}

// viewedProduct runs on both devices a 3-token product of views: x rows
// from row 1 of a larger tensor (unaligned start), 6 weight rows of type
// typ from row 3 of 9. It returns the outputs.
func viewedProduct(t testing.TB, host *cpu.Device, dev *Device, rng *rand.Rand, typ quant.Type) pair {
	t.Helper()
	k := 256
	all := f32Pair(t, host, dev, 5, k, randF32(rng, 5*k, 1))
	xv := pair{mustSlice(t, all.c, 1, 4), mustSlice(t, all.g, 1, 4)}
	w := newPair(t, host, dev, typ, 9, k, encode(t, typ, 9, k, randF32(rng, 9*k, 0.5)))
	wv := pair{mustSlice(t, w.c, 3, 9), mustSlice(t, w.g, 3, 9)}
	return product(t, host, dev, xv, wv, 3, 6)
}

func mustSlice(t testing.TB, x *backend.Tensor, from, to int) *backend.Tensor {
	t.Helper()
	v, err := x.Slice(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEmbed(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(2, 2))
	for _, typ := range weightTypes {
		for _, s := range []struct{ rows, cols, n int }{{7, 32, 3}, {33, 96, 9}, {5, 4160, 2}, {9, 512, 4}, {3, 2816, 3}} {
			if s.cols%typ.BlockSize() != 0 {
				continue
			}
			table := newPair(t, host, dev, typ, s.rows, s.cols, encode(t, typ, s.rows, s.cols, randF32(rng, s.rows*s.cols, 1)))
			ids := make([]int32, s.n)
			for i := range ids {
				ids[i] = int32(rng.IntN(s.rows))
			}
			ids[0] = int32(s.rows - 1)
			out := f32Pair(t, host, dev, s.n, s.cols, nil)
			poison(t, dev, out.g)
			if err := host.Embed(out.c, table.c, ids); err != nil {
				t.Fatal(err)
			}
			if err := dev.Embed(out.g, table.g, ids); err != nil {
				t.Fatal(err)
			}
			compare(t, dev, out, 1e-6, fmt.Sprintf("%s/%dx%d", typ, s.rows, s.cols))
		}
	}
	table := newPair(t, host, dev, quant.F32, 3, 8, nil)
	out := f32Pair(t, host, dev, 1, 8, nil)
	if err := dev.Embed(out.g, table.g, []int32{3}); err == nil {
		t.Error("id outside the table accepted")
	}
}

func TestRowOps(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(3, 3))
	for _, s := range []struct{ n, d int }{{1, 1}, {1, 64}, {5, 172}, {3, 4097}, {33, 31}} {
		name := fmt.Sprintf("%dx%d", s.n, s.d)
		x := f32Pair(t, host, dev, s.n, s.d, randF32(rng, s.n*s.d, 3))
		y := f32Pair(t, host, dev, s.n, s.d, randF32(rng, s.n*s.d, 3))
		w := f32Pair(t, host, dev, 1, s.d, randF32(rng, s.d, 1))
		out := f32Pair(t, host, dev, s.n, s.d, nil)

		poison(t, dev, out.g)
		if err := host.RMSNorm(out.c, x.c, w.c, 1e-5); err != nil {
			t.Fatal(err)
		}
		if err := dev.RMSNorm(out.g, x.g, w.g, 1e-5); err != nil {
			t.Fatal(err)
		}
		compare(t, dev, out, 1e-5, "rmsnorm/"+name)

		poison(t, dev, out.g)
		if err := host.Add(out.c, x.c, y.c); err != nil {
			t.Fatal(err)
		}
		if err := dev.Add(out.g, x.g, y.g); err != nil {
			t.Fatal(err)
		}
		compare(t, dev, out, 1e-6, "add/"+name)

		poison(t, dev, out.g)
		if err := host.Add(out.c, x.c, w.c); err != nil {
			t.Fatal(err)
		}
		if err := dev.Add(out.g, x.g, w.g); err != nil {
			t.Fatal(err)
		}
		compare(t, dev, out, 1e-6, "add-row/"+name)

		poison(t, dev, out.g)
		if err := host.SwiGLU(out.c, x.c, y.c); err != nil {
			t.Fatal(err)
		}
		if err := dev.SwiGLU(out.g, x.g, y.g); err != nil {
			t.Fatal(err)
		}
		compare(t, dev, out, 1e-5, "swiglu/"+name)

		// in place, as the model calls them
		if err := host.RMSNorm(x.c, x.c, w.c, 1e-6); err != nil {
			t.Fatal(err)
		}
		if err := dev.RMSNorm(x.g, x.g, w.g, 1e-6); err != nil {
			t.Fatal(err)
		}
		if err := host.Add(x.c, x.c, y.c); err != nil {
			t.Fatal(err)
		}
		if err := dev.Add(x.g, x.g, y.g); err != nil {
			t.Fatal(err)
		}
		compare(t, dev, x, 1e-5, "in-place/"+name)
	}
}

// TestSwiGLUBits checks that the GPU's SwiGLU gives the CPU backend's bits
// (ggml_v_expf on whole vectors of 16 of a row, the correctly rounded expf
// on the rest), with and without the conversion for a product after it,
// on rows whose length leaves a tail, over exp's whole range: arguments
// where exp over- and underflows, turns subnormal, and zeros.
func TestSwiGLUBits(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(29, 29))
	for _, s := range []struct{ n, d int }{{1, 172}, {3, 5632}, {2, 31}, {1, 16}, {5, 7}, {2, 96}} {
		for _, conv := range []bool{false, true} {
			if conv && s.d%32 != 0 {
				continue
			}
			name := fmt.Sprintf("%dx%d/conv=%v", s.n, s.d, conv)
			gv := randF32(rng, s.n*s.d, 3)
			for i := range gv {
				switch i % 7 {
				case 1:
					gv[i] *= 40 // exp(-g) from e^-120 to e^120
				case 3:
					gv[i] = (rng.Float32()*2 - 1) * 110 // subnormal exp, and overflow past 88.7
				case 5:
					gv[i] *= 1e-6
				}
			}
			gv[0], gv[len(gv)-1] = 0, -200
			g := f32Pair(t, host, dev, s.n, s.d, gv)
			uv := randF32(rng, s.n*s.d, 2)
			u := f32Pair(t, host, dev, s.n, s.d, uv)
			dst := f32Pair(t, host, dev, s.n, s.d, nil)
			poison(t, dev, dst.g)
			dev.forget()
			if conv {
				primeConv(t, host, dev, rng, quant.Q8_0, s.n, s.d)
			}
			if err := dev.SwiGLU(dst.g, g.g, u.g); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := host.SwiGLU(dst.c, g.c, u.c); err != nil {
				t.Fatal(err)
			}
			want, err := cpu.F32(dst.c)
			if err != nil {
				t.Fatal(err)
			}
			got := gpuBytes(t, dev, dst.g)
			for i, w := range want {
				gb := math.Float32frombits(binary.LittleEndian.Uint32(got[4*i:]))
				if math.Float32bits(gb) != math.Float32bits(w) {
					t.Errorf("%s: element %d (g %v, u %v): GPU %v, CPU %v", name, i, gv[i], uv[i], gb, w)
					break
				}
			}
		}
	}
}

func TestRoPE(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(4, 4))
	for _, tc := range []struct {
		name         string
		n, heads, hd int
		r            backend.RoPE
		factors      bool
	}{
		{"normal", 5, 8, 8, backend.RoPE{Dims: 8, Base: 10000}, false},
		{"neox", 3, 4, 64, backend.RoPE{Dims: 64, Base: 1e6, NeoX: true}, false},
		{"partial", 4, 3, 80, backend.RoPE{Dims: 32, Base: 10000, NeoX: true}, false},
		{"factors", 6, 2, 128, backend.RoPE{Dims: 128, Base: 500000}, true},
		{"linear", 3, 2, 64, backend.RoPE{Dims: 64, Base: 10000, FreqScale: 0.25}, false},
		{"yarn", 7, 2, 64, backend.RoPE{Dims: 64, Base: 10000, FreqScale: 0.25, ExtFactor: 1, AttnFactor: 1, BetaFast: 32, BetaSlow: 1, OrigCtx: 4096}, false},
	} {
		x := f32Pair(t, host, dev, tc.n, tc.heads*tc.hd, randF32(rng, tc.n*tc.heads*tc.hd, 2))
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
		b := &backend.Batch{Pos: make([]int32, tc.n)}
		for i := range b.Pos {
			b.Pos[i] = int32(rng.IntN(5000))
		}
		b.Pos[0] = 0
		if err := host.RoPE(x.c, tc.heads, &rc, b); err != nil {
			t.Fatal(err)
		}
		if err := dev.RoPE(x.g, tc.heads, &rg, b); err != nil {
			t.Fatal(err)
		}
		compare(t, dev, x, 1e-5, "rope/"+tc.name)
	}
}

// TestAttention stores keys and values of a batch of two sequences with
// scattered block tables and runs attention over them, for F32 and F16
// caches and several head sizes (GQA).
func TestAttention(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(5, 5))
	const bs = 4
	for _, cache := range []quant.Type{quant.F32, quant.F16} {
		for _, s := range []struct{ heads, kv, hd int }{{8, 4, 8}, {4, 1, 40}, {6, 2, 64}, {4, 4, 128}, {2, 1, 256}, {8, 1, 64}, {8, 2, 128}} {
			name := fmt.Sprintf("%s/h%d_kv%d_hd%d", cache, s.heads, s.kv, s.hd)
			tables := [][]int32{{9, 3, 5, 7, 1, 11}, {20, 18, 16, 14, 12, 10}}
			kc := newPair(t, host, dev, cache, 24*bs, s.kv*s.hd, nil)
			vc := newPair(t, host, dev, cache, 24*bs, s.kv*s.hd, nil)
			a := &backend.Attn{Heads: s.heads, KVHeads: s.kv, HeadDim: s.hd, Scale: 0.3}
			// a prefill of 13 and 7 tokens interleaved, then one decode step each
			for _, lens := range [][2]int{{13, 7}, {1, 1}} {
				start := [2]int{}
				if lens[0] == 1 {
					start = [2]int{13, 7}
				}
				b := &backend.Batch{Tables: tables, BlockSize: bs}
				for i := 0; i < max(lens[0], lens[1]); i++ {
					for sq := range 2 {
						if i < lens[sq] {
							p := start[sq] + i
							b.Pos = append(b.Pos, int32(p))
							b.Seq = append(b.Seq, int32(sq))
							b.Slots = append(b.Slots, int32(b.Row(sq, p)))
						}
					}
				}
				n := b.Len()
				q := f32Pair(t, host, dev, n, s.heads*s.hd, randF32(rng, n*s.heads*s.hd, 1))
				k := f32Pair(t, host, dev, n, s.kv*s.hd, randF32(rng, n*s.kv*s.hd, 1))
				v := f32Pair(t, host, dev, n, s.kv*s.hd, randF32(rng, n*s.kv*s.hd, 1))
				out := f32Pair(t, host, dev, n, s.heads*s.hd, nil)
				poison(t, dev, out.g)
				if err := host.StoreKV(kc.c, vc.c, k.c, v.c, b); err != nil {
					t.Fatal(err)
				}
				if err := dev.StoreKV(kc.g, vc.g, k.g, v.g, b); err != nil {
					t.Fatal(err)
				}
				if err := host.Attention(out.c, q.c, kc.c, vc.c, a, b); err != nil {
					t.Fatal(err)
				}
				if err := dev.Attention(out.g, q.g, kc.g, vc.g, a, b); err != nil {
					t.Fatal(err)
				}
				compare(t, dev, out, tolFor(cache), fmt.Sprintf("%s/n%d", name, n))
			}
			for _, c := range []pair{kc, vc} {
				want := make([]byte, c.c.Bytes())
				got := make([]byte, c.g.Bytes())
				if err := host.Download(want, c.c); err != nil {
					t.Fatal(err)
				}
				if err := dev.Download(got, c.g); err != nil {
					t.Fatal(err)
				}
				if string(got) != string(want) {
					t.Errorf("%s: stored cache differs from the CPU's", name)
				}
			}
		}
	}
}

// TestUnsupported needs no GPU: types without kernels are refused before
// the driver is called.
func TestUnsupported(t *testing.T) {
	d := &Device{name: "cuda0"}
	if _, err := d.Alloc(quant.Q5_K, 1, 256); !errors.Is(err, backend.ErrUnsupported) {
		t.Errorf("Alloc(Q5_K) = %v, want ErrUnsupported", err)
	}
	fake := func(typ quant.Type, rows, cols int) *backend.Tensor {
		x, err := backend.NewTensor(&buffer{dev: d}, 0, typ, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	x, out := fake(quant.F32, 1, 256), fake(quant.F32, 1, 4)
	for _, typ := range []quant.Type{quant.Q5_K, quant.Q2_K, quant.Q5_0, quant.Q4_1} {
		if err := d.MatMul(out, x, fake(typ, 4, 256)); !errors.Is(err, backend.ErrUnsupported) {
			t.Errorf("MatMul(%s) = %v, want ErrUnsupported", typ, err)
		}
		if err := d.Embed(x, fake(typ, 4, 256), []int32{0}); !errors.Is(err, backend.ErrUnsupported) {
			t.Errorf("Embed(%s) = %v, want ErrUnsupported", typ, err)
		}
	}
}

// TestConvertedActivations checks that products sharing an input reuse its
// conversion only while the input is unchanged: in-place writes to it
// (Add, RMSNorm, Upload) must be seen by the next product.
func TestConvertedActivations(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(6, 6))
	const k, m = 512, 37
	for _, typ := range weightTypes {
		for _, n := range []int{1, 3} {
			name := fmt.Sprintf("%s/n%d", typ, n)
			x := f32Pair(t, host, dev, n, k, randF32(rng, n*k, 1))
			y := f32Pair(t, host, dev, n, k, randF32(rng, n*k, 1))
			norm := f32Pair(t, host, dev, 1, k, randF32(rng, k, 1))
			w1 := newPair(t, host, dev, typ, m, k, encode(t, typ, m, k, randF32(rng, m*k, 0.5)))
			w2 := newPair(t, host, dev, typ, m, k, encode(t, typ, m, k, randF32(rng, m*k, 0.5)))
			out := f32Pair(t, host, dev, n, m, nil)
			product := func(w pair, what string) {
				t.Helper()
				poison(t, dev, out.g)
				if err := host.MatMul(out.c, x.c, w.c); err != nil {
					t.Fatal(err)
				}
				if err := dev.MatMul(out.g, x.g, w.g); err != nil {
					t.Fatal(err)
				}
				compare(t, dev, out, tolFor(typ), name+"/"+what)
			}
			product(w1, "first")
			product(w2, "same input")
			for _, op := range []struct {
				what string
				cpu  func() error
				gpu  func() error
			}{
				{"after Add", func() error { return host.Add(x.c, x.c, y.c) }, func() error { return dev.Add(x.g, x.g, y.g) }},
				{"after RMSNorm", func() error { return host.RMSNorm(x.c, x.c, norm.c, 1e-5) }, func() error { return dev.RMSNorm(x.g, x.g, norm.g, 1e-5) }},
				{"after SwiGLU", func() error { return host.SwiGLU(x.c, x.c, y.c) }, func() error { return dev.SwiGLU(x.g, x.g, y.g) }},
				{"after RMSNorm into another tensor", func() error { return host.RMSNorm(y.c, x.c, norm.c, 1e-5) }, func() error { return dev.RMSNorm(y.g, x.g, norm.g, 1e-5) }},
				{"after Upload", func() error { return host.Upload(x.c, f32Bytes(randF32(rng, n*k, 1))) }, nil},
			} {
				if err := op.cpu(); err != nil {
					t.Fatal(err)
				}
				if op.gpu == nil { // the same bytes to both
					b := make([]byte, x.c.Bytes())
					if err := host.Download(b, x.c); err != nil {
						t.Fatal(err)
					}
					if err := dev.Upload(x.g, b); err != nil {
						t.Fatal(err)
					}
				} else if err := op.gpu(); err != nil {
					t.Fatal(err)
				}
				product(w1, op.what)
			}
		}
	}
}

// TestShapeErrors needs no GPU: ops given tensors of mismatched shapes
// return errors (naming the op) before any driver call.
func TestShapeErrors(t *testing.T) {
	d := &Device{name: "cuda0"}
	f := func(rows, cols int) *backend.Tensor {
		x, err := backend.NewTensor(&buffer{dev: d}, 0, quant.F32, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	b := &backend.Batch{Pos: []int32{0, 1}, Seq: []int32{0, 0}, Slots: []int32{0, 1}, Tables: [][]int32{{0}}, BlockSize: 4}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"matmul", d.MatMul(f(2, 8), f(2, 16), f(8, 32))},
		{"embed", d.Embed(f(3, 8), f(10, 8), []int32{1, 2})},
		{"rmsnorm", d.RMSNorm(f(2, 8), f(2, 8), f(1, 7), 1e-5)},
		{"add", d.Add(f(2, 8), f(2, 8), f(3, 8))},
		{"swiglu", d.SwiGLU(f(2, 8), f(2, 8), f(2, 9))},
		{"rope heads", d.RoPE(f(2, 10), 3, &backend.RoPE{Dims: 2, Base: 1e4}, b)},
		{"rope dims", d.RoPE(f(2, 8), 2, &backend.RoPE{Dims: 6, Base: 1e4}, b)},
		{"rope positions", d.RoPE(f(3, 8), 2, &backend.RoPE{Dims: 4, Base: 1e4}, b)},
		{"store kv", d.StoreKV(f(8, 8), f(8, 8), f(2, 8), f(2, 4), b)},
		{"store kv slot", d.StoreKV(f(8, 8), f(8, 8), f(2, 8), f(2, 8), &backend.Batch{Pos: b.Pos, Slots: []int32{0, 8}})},
		{"attention heads", d.Attention(f(2, 8), f(2, 8), f(8, 8), f(8, 8), &backend.Attn{Heads: 3, KVHeads: 2, HeadDim: 4}, b)},
		{"attention table", d.Attention(f(2, 8), f(2, 8), f(8, 4), f(8, 4), &backend.Attn{Heads: 2, KVHeads: 1, HeadDim: 4},
			&backend.Batch{Pos: []int32{0, 5}, Seq: []int32{0, 0}, Tables: [][]int32{{0}}, BlockSize: 4})},
	} {
		// the fake tensors have no memory: an op that got past its shape
		// checks would fail on the buffer instead
		if tc.err == nil || strings.Contains(tc.err.Error(), "buffer") {
			t.Errorf("%s: mismatched shapes not caught by the shape checks: %v", tc.name, tc.err)
		}
	}
}
