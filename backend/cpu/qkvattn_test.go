package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestMatMulAttention checks MatMulAttention against MatMulShared, RoPE,
// RoPE, StoreKV and Attention, bit for bit, at every level, on 1 to 3
// threads: weight formats with two-run kernels (cut by key-value head)
// and without, F32 and F16 caches whose earlier rows hold other values,
// positions before, across and past a cache block and the lane counts,
// the rotation of adjacent pairs and of halves, fewer rotated dims than a
// head's, one and four query heads a key-value head, and heads whose rows
// are not whole alignments of the kernels (the ops one by one).
func TestMatMulAttention(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	type shape struct{ heads, kvHeads, hd, k int }
	type weights struct {
		typ        quant.Type
		sh         shape
		wq, wk, wv []byte
	}
	var ws []weights
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q4_K, quant.TQ2_0, quant.IQ4_NL, quant.Q6_K, quant.F32} {
		for _, sh := range []shape{{8, 2, 64, 256}, {4, 4, 32, 256}, {6, 2, 24, 256}} {
			w := weights{typ: typ, sh: sh}
			for _, p := range []struct {
				dst  *[]byte
				rows int
			}{{&w.wq, sh.heads * sh.hd}, {&w.wk, sh.kvHeads * sh.hd}, {&w.wv, sh.kvHeads * sh.hd}} {
				rb, err := typ.RowBytes(sh.k)
				if err != nil {
					t.Fatal(err)
				}
				*p.dst = make([]byte, p.rows*rb)
				for j := range p.rows {
					if err := quant.Quantize(typ, (*p.dst)[j*rb:(j+1)*rb], randRow(r, sh.k)); err != nil {
						t.Fatal(err)
					}
				}
			}
			ws = append(ws, w)
		}
	}
	ropes := []backend.RoPE{{Dims: 0, Base: 10000}, {Dims: 0, Base: 500000, NeoX: true}, {Dims: 16, Base: 10000}}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for i, w := range ws {
				for _, cache := range []quant.Type{quant.F32, quant.F16} {
					for _, pos := range []int32{0, 5, 17, 70} {
						threads := 1 + (i+int(pos))%3
						rope := ropes[(i+int(pos))%len(ropes)]
						if rope.Dims == 0 || rope.Dims > w.sh.hd {
							rope.Dims = w.sh.hd
						}
						checkMatMulAttention(t, r, threads, w.typ, w.sh.heads, w.sh.kvHeads, w.sh.hd, w.sh.k, w.wq, w.wk, w.wv, cache, pos, rope)
					}
				}
			}
		})
	}
}

func checkMatMulAttention(t *testing.T, r *rand.Rand, threads int, typ quant.Type, heads, kvHeads, hd, k int, wqb, wkb, wvb []byte, cache quant.Type, pos int32, rope backend.RoPE) {
	t.Helper()
	name := fmt.Sprintf("%s %d/%d heads of %d, threads=%d, %s cache, position %d, rope %+v", typ, heads, kvHeads, hd, threads, cache, pos, rope)
	d := New(threads)
	mapW := func(b []byte, rows int) *backend.Tensor {
		w, err := d.Map(typ, rows, k, b)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	wq, wk, wv := mapW(wqb, heads*hd), mapW(wkb, kvHeads*hd), mapW(wvb, kvHeads*hd)
	const block = 16
	blocks := int(pos)/block + 2
	table := make([]int32, blocks) // blocks out of order in a larger cache
	for i := range table {
		table[i] = int32((i*3 + 1) % (blocks + 1))
	}
	b := &backend.Batch{Pos: []int32{pos}, Seq: []int32{0}, Tables: [][]int32{table}, BlockSize: block}
	b.Slots = []int32{int32(b.Row(0, int(pos)))}
	a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
	rows := (blocks + 1) * block
	cacheVals := []([]float32){randRow(r, rows*kvHeads*hd), randRow(r, rows*kvHeads*hd)}
	x := testF32(t, d, randRow(r, k), 1, k)
	type run struct{ out, q, k, v, kc, vc *backend.Tensor }
	mk := func() run {
		var rn run
		rn.out, rn.q = testF32(t, d, randRow(r, heads*hd), 1, heads*hd), testF32(t, d, randRow(r, heads*hd), 1, heads*hd)
		rn.k, rn.v = testF32(t, d, randRow(r, kvHeads*hd), 1, kvHeads*hd), testF32(t, d, randRow(r, kvHeads*hd), 1, kvHeads*hd)
		for i, c := range []**backend.Tensor{&rn.kc, &rn.vc} {
			*c = testAlloc(t, d, cache, rows, kvHeads*hd)
			cb, _ := d.bytes(*c)
			rb := (*c).RowBytes()
			for j := range rows {
				if err := quant.Quantize(cache, cb[j*rb:(j+1)*rb], cacheVals[i][j*kvHeads*hd:(j+1)*kvHeads*hd]); err != nil {
					t.Fatal(err)
				}
			}
		}
		return rn
	}
	want, got := mk(), mk()
	if err := d.MatMulShared([]*backend.Tensor{want.q, want.k, want.v}, x, []*backend.Tensor{wq, wk, wv}); err != nil {
		t.Fatal(err)
	}
	if err := d.ropeStoreAttend(want.out, want.q, want.k, want.v, want.kc, want.vc, a, &rope, b); err != nil {
		t.Fatal(err)
	}
	if err := d.MatMulAttention(got.out, got.q, got.k, got.v, x, wq, wk, wv, got.kc, got.vc, a, &rope, b); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, c := range []struct {
		what      string
		got, want *backend.Tensor
	}{{"out", got.out, want.out}, {"q", got.q, want.q}, {"k", got.k, want.k}, {"v", got.v, want.v}} {
		g, _ := F32(c.got)
		w, _ := F32(c.want)
		sameBits(t, name+": "+c.what, g, w)
	}
	for _, c := range []struct {
		what      string
		got, want *backend.Tensor
	}{{"key cache", got.kc, want.kc}, {"value cache", got.vc, want.vc}} {
		g, _ := d.bytes(c.got)
		w, _ := d.bytes(c.want)
		if string(g) != string(w) {
			t.Fatalf("%s: %s differs", name, c.what)
		}
	}
}

// TestMatMulAttentionErrors checks that bad operands are errors on the
// one-op path and the ops-one-by-one path alike.
func TestMatMulAttentionErrors(t *testing.T) {
	d := New(2)
	alloc := func(typ quant.Type, rows, cols int) *backend.Tensor { return testAlloc(t, d, typ, rows, cols) }
	const heads, kvHeads, hd, k = 4, 2, 32, 64
	wq, wk, wv := alloc(quant.Q8_0, heads*hd, k), alloc(quant.Q8_0, kvHeads*hd, k), alloc(quant.Q8_0, kvHeads*hd, k)
	x := alloc(quant.F32, 1, k)
	out, q := alloc(quant.F32, 1, heads*hd), alloc(quant.F32, 1, heads*hd)
	kt, vt := alloc(quant.F32, 1, kvHeads*hd), alloc(quant.F32, 1, kvHeads*hd)
	kc, vc := alloc(quant.F32, 32, kvHeads*hd), alloc(quant.F32, 32, kvHeads*hd)
	a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
	rope := &backend.RoPE{Dims: hd, Base: 10000}
	ok := &backend.Batch{Pos: []int32{3}, Seq: []int32{0}, Slots: []int32{3}, Tables: [][]int32{{0, 1}}, BlockSize: 16}
	if err := d.MatMulAttention(out, q, kt, vt, x, wq, wk, wv, kc, vc, a, rope, ok); err != nil {
		t.Fatalf("good operands: %v", err)
	}
	for _, tc := range []struct {
		name string
		b    *backend.Batch
		kc   *backend.Tensor
		rope *backend.RoPE
		a    *backend.Attn
	}{
		{"slot outside the cache", &backend.Batch{Pos: []int32{3}, Seq: []int32{0}, Slots: []int32{40}, Tables: [][]int32{{0, 1}}, BlockSize: 16}, kc, rope, a},
		{"position outside the table", &backend.Batch{Pos: []int32{40}, Seq: []int32{0}, Slots: []int32{3}, Tables: [][]int32{{0, 1}}, BlockSize: 16}, kc, rope, a},
		{"odd rotated dims", ok, kc, &backend.RoPE{Dims: 7, Base: 10000}, a},
		{"key cache width", ok, alloc(quant.F32, 32, kvHeads*hd+1), rope, a},
		{"heads", ok, kc, rope, &backend.Attn{Heads: 3, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}},
		{"F16 key cache, F32 values", ok, alloc(quant.F16, 32, kvHeads*hd), rope, a},
	} {
		if err := d.MatMulAttention(out, q, kt, vt, x, wq, wk, wv, tc.kc, vc, tc.a, tc.rope, tc.b); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
