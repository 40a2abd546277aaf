package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// BenchmarkRMSNorm normalizes 1 and 64 rows of 2048 (bytes/s read and
// written: x, the weight, dst).
func BenchmarkRMSNorm(b *testing.B) {
	r := rand.New(rand.NewPCG(27, 28))
	const k = 2048
	d := New(0)
	w, _ := d.Alloc(quant.F32, 1, k)
	ws, _ := F32(w)
	copy(ws, randRow(r, k))
	for _, n := range []int{1, 64} {
		x, _ := d.Alloc(quant.F32, n, k)
		xs, _ := F32(x)
		copy(xs, randRow(r, n*k))
		dst, _ := d.Alloc(quant.F32, n, k)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * (2*n*k + k)))
			for b.Loop() {
				if err := d.RMSNorm(dst, x, w, 1e-5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAttention is one decode step's attention (Llama-3.2-1B heads:
// 32 query heads, 8 KV heads of 64) over 16, 96, 512 and 4096 cached
// positions, for F32 and F16 caches laid out row after row (Alloc) and by
// head (AllocCache), in the caches (bytes/s of keys and values read).
func BenchmarkAttention(b *testing.B) {
	r := rand.New(rand.NewPCG(29, 30))
	const heads, kvHeads, hd, block = 32, 8, 64, 16
	for _, positions := range []int{16, 96, 512, 4096} {
		a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
		table := make([]int32, positions/block)
		for i := range table {
			table[i] = int32(i)
		}
		batch := &backend.Batch{Pos: []int32{int32(positions - 1)}, Seq: []int32{0}, Slots: []int32{int32(positions - 1)},
			Tables: [][]int32{table}, BlockSize: block}
		for _, c := range []struct {
			typ    quant.Type
			layout string
		}{{quant.F32, "rows"}, {quant.F32, "heads"}, {quant.F16, "rows"}, {quant.F16, "heads"}} {
			typ, d := c.typ, New(0)
			kc, vc := benchCaches(b, r, d, typ, positions/block, block, kvHeads, hd, c.layout == "heads")
			q, out := benchQueries(r, d, 1, heads*hd)
			benchAttention(b, fmt.Sprintf("%s/%s/positions=%d", typ, c.layout, positions), d, out, q, kc, vc, a, batch)
		}
	}
}

// TestCacheHead checks that a head of an F16 cache row, widened alone,
// equals that head of the whole row dequantized.
func TestCacheHead(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, sh := range [][2]int{{1, 4}, {8, 64}, {3, 7}} {
		kvHeads, hd := sh[0], sh[1]
		row := make([]byte, 2*kvHeads*hd)
		if err := quant.Quantize(quant.F16, row, randRow(r, kvHeads*hd)); err != nil {
			t.Fatal(err)
		}
		all := make([]float32, kvHeads*hd)
		if err := quant.Dequantize(quant.F16, all, row); err != nil {
			t.Fatal(err)
		}
		scratch := make([]float32, kvHeads*hd)
		for h := range kvHeads {
			got, err := cacheHead(scratch, row, quant.F16, h, hd)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range got {
				if v != all[h*hd+i] {
					t.Fatalf("kvHeads=%d hd=%d: head %d [%d] = %g, want %g", kvHeads, hd, h, i, v, all[h*hd+i])
				}
			}
		}
	}
}

// BenchmarkAttentionFromMemory is a decode step's attention layer after
// layer, as the 1.1B at 4096 positions runs it: 16 layers' caches (256 MiB
// of F32 keys and values, 128 MiB of F16), far past the caches, each layer
// Llama-3.2-1B's heads (32 query heads, 8 KV heads of 64) on 2 threads,
// the caches laid out row after row (Alloc) and by head (AllocCache, as
// the model's): bytes/s of keys and values read, to set beside
// BenchmarkStreamRead's bandwidth. BenchmarkAttention's caches lie in L3.
func BenchmarkAttentionFromMemory(b *testing.B) {
	r := rand.New(rand.NewPCG(33, 34))
	const heads, kvHeads, hd, block, positions, layers = 32, 8, 64, 16, 4096, 16
	a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
	table := make([]int32, positions/block)
	for i := range table {
		table[i] = int32(i)
	}
	batch := &backend.Batch{Pos: []int32{positions - 1}, Seq: []int32{0}, Slots: []int32{positions - 1},
		Tables: [][]int32{table}, BlockSize: block}
	row := randRow(r, kvHeads*hd)
	for _, c := range []struct {
		typ    quant.Type
		layout string
	}{{quant.F32, "rows"}, {quant.F32, "heads"}, {quant.F16, "rows"}, {quant.F16, "heads"}} {
		typ := c.typ
		d := New(2)
		rb, _ := typ.RowBytes(kvHeads * hd)
		packed := make([]byte, rb)
		if err := quant.Quantize(typ, packed, row); err != nil {
			b.Fatal(err)
		}
		var caches [][2]*backend.Tensor
		for range layers {
			var kv [2]*backend.Tensor
			for i := range kv {
				if c.layout == "rows" {
					kv[i], _ = d.Alloc(typ, positions, kvHeads*hd)
				} else {
					kv[i], _ = d.AllocCache(typ, positions/block, block, kvHeads, hd)
				}
				cb, _ := d.bytes(kv[i]) // every row alike: either layout holds the same values
				for p := range positions {
					copy(cb[p*rb:], packed)
				}
			}
			caches = append(caches, kv)
		}
		q, _ := d.Alloc(quant.F32, 1, heads*hd)
		qs, _ := F32(q)
		copy(qs, randRow(r, heads*hd))
		out, _ := d.Alloc(quant.F32, 1, heads*hd)
		b.Run(fmt.Sprintf("%s/%s/%d×positions=%d/threads=2", typ, c.layout, layers, positions), func(b *testing.B) {
			b.SetBytes(int64(layers * 2 * caches[0][0].Bytes()))
			for b.Loop() {
				for _, kv := range caches {
					if err := d.Attention(out, q, kv[0], kv[1], a, batch); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		for _, kv := range caches {
			d.Free(kv[0])
			d.Free(kv[1])
		}
	}
}

// BenchmarkAttentionPrompt is a 64-token prompt's attention (Llama-3.2-1B
// heads) after 4032 cached positions, F32 and F16 caches laid out by
// head (bytes/s of one pass over the keys and values).
func BenchmarkAttentionPrompt(b *testing.B) {
	r := rand.New(rand.NewPCG(33, 34))
	const heads, kvHeads, hd, block, tokens, positions = 32, 8, 64, 16, 64, 4096
	a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
	table := make([]int32, positions/block)
	for i := range table {
		table[i] = int32(i)
	}
	batch := &backend.Batch{Pos: make([]int32, tokens), Seq: make([]int32, tokens), Slots: make([]int32, tokens),
		Tables: [][]int32{table}, BlockSize: block}
	for i := range tokens {
		batch.Pos[i] = int32(positions - tokens + i)
		batch.Slots[i] = batch.Pos[i]
	}
	for _, typ := range []quant.Type{quant.F32, quant.F16} {
		d := New(0)
		kc, vc := benchCaches(b, r, d, typ, positions/block, block, kvHeads, hd, true)
		q, out := benchQueries(r, d, tokens, heads*hd)
		benchAttention(b, typ.String(), d, out, q, kc, vc, a, batch)
	}
}

// BenchmarkAttentionBatch is a decode step of eight sequences in one
// batch (Llama-3.2-1B heads), each a token after 1023 cached positions,
// F32 and F16 caches laid out by head (bytes/s of the keys and values
// read).
func BenchmarkAttentionBatch(b *testing.B) {
	r := rand.New(rand.NewPCG(35, 36))
	const heads, kvHeads, hd, block, seqs, positions = 32, 8, 64, 16, 8, 1024
	a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
	batch := &backend.Batch{Pos: make([]int32, seqs), Seq: make([]int32, seqs), Slots: make([]int32, seqs), BlockSize: block}
	for s := range seqs {
		table := make([]int32, positions/block)
		for i := range table {
			table[i] = int32(s*len(table) + i)
		}
		batch.Tables = append(batch.Tables, table)
		batch.Pos[s], batch.Seq[s] = positions-1, int32(s)
		batch.Slots[s] = table[len(table)-1]*block + block - 1
	}
	for _, typ := range []quant.Type{quant.F32, quant.F16} {
		d := New(0)
		kc, vc := benchCaches(b, r, d, typ, seqs*positions/block, block, kvHeads, hd, true)
		q, out := benchQueries(r, d, seqs, heads*hd)
		benchAttention(b, typ.String(), d, out, q, kc, vc, a, batch)
	}
}

// benchCaches returns a key and a value cache of blocks blocks of block
// slots, laid out by head (AllocCache) or row after row, holding random
// values.
func benchCaches(b *testing.B, r *rand.Rand, d *Device, typ quant.Type, blocks, block, kvHeads, hd int, byHead bool) (kc, vc *backend.Tensor) {
	b.Helper()
	var err error
	for _, c := range []**backend.Tensor{&kc, &vc} {
		if byHead {
			*c, err = d.AllocCache(typ, blocks, block, kvHeads, hd)
		} else {
			*c, err = d.Alloc(typ, blocks*block, kvHeads*hd)
		}
		if err != nil {
			b.Fatal(err)
		}
		cb, _ := d.bytes(*c)
		if err := quant.Quantize(typ, cb, randRow(r, blocks*block*kvHeads*hd)); err != nil {
			b.Fatal(err)
		}
	}
	return kc, vc
}

// benchQueries returns n random query rows of cols and an output for them.
func benchQueries(r *rand.Rand, d *Device, n, cols int) (q, out *backend.Tensor) {
	q, _ = d.Alloc(quant.F32, n, cols)
	qs, _ := F32(q)
	copy(qs, randRow(r, n*cols))
	out, _ = d.Alloc(quant.F32, n, cols)
	return q, out
}

// benchAttention runs Attention as benchmark name, reporting the bytes of
// the caches a call.
func benchAttention(b *testing.B, name string, d *Device, out, q, kc, vc *backend.Tensor, a *backend.Attn, batch *backend.Batch) {
	b.Run(name, func(b *testing.B) {
		b.SetBytes(int64(kc.Bytes() + vc.Bytes()))
		for b.Loop() {
			if err := d.Attention(out, q, kc, vc, a, batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
