package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestAttentionSequences checks a multi-token Attention over several
// sequences against attentionRef bit for bit: tokens of four sequences in
// one batch, some interleaved, runs longer than a unit's attnTokens, one
// token alone, each sequence with its own block table, F32 and F16 caches
// laid out row after row and by head (AllocCache), in blocks of 16, 32
// and 128 positions (chunks gathered from four blocks, two, or one in
// place).
func TestAttentionSequences(t *testing.T) {
	for _, block := range []int{16, 32, 128} {
		testAttentionSequences(t, block)
	}
}

func testAttentionSequences(t *testing.T, block int) {
	const heads, kvHeads, hd = 8, 2, 64
	type tok struct{ seq, pos int32 }
	var toks []tok
	toks = append(toks, tok{1, 0})
	for p := int32(20); p < 32; p++ {
		toks = append(toks, tok{0, p})
	}
	toks = append(toks, tok{1, 1}, tok{1, 2}, tok{2, 300})
	for p := int32(5); p < 15; p++ {
		toks = append(toks, tok{3, p})
	}
	last := map[int32]int{}
	for _, tk := range toks {
		last[tk.seq] = max(last[tk.seq], int(tk.pos))
	}
	for _, typ := range []quant.Type{quant.F32, quant.F16} {
		for _, byHead := range []bool{false, true} {
			name := fmt.Sprintf("%s byHead=%t block=%d", typ, byHead, block)
			r := rand.New(rand.NewPCG(91, 92))
			d := New(2)
			// the sequences' blocks, out of order and interleaved
			var tables [][]int32
			next := int32(0)
			for s := range int32(4) {
				nb := last[s]/block + 1
				table := make([]int32, nb)
				for i := range table {
					table[nb-1-i] = next
					next++
				}
				tables = append(tables, table)
			}
			cols := kvHeads * hd
			var kc, vc *backend.Tensor
			var err error
			if byHead {
				kc, err = d.AllocCache(typ, int(next), block, kvHeads, hd)
				if err == nil {
					vc, err = d.AllocCache(typ, int(next), block, kvHeads, hd)
				}
			} else {
				kc, err = d.Alloc(typ, int(next)*block, cols)
				if err == nil {
					vc, err = d.Alloc(typ, int(next)*block, cols)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			// every position's keys and values, as the cache holds them
			held := map[tok][2][]float32{}
			for s := range int32(4) {
				n := last[s] + 1
				slots := make([]int32, n)
				kv := [2][]float32{randRow(r, n*cols), randRow(r, n*cols)}
				for p := range n {
					slots[p] = tables[s][p/block]*int32(block) + int32(p%block)
					var h [2][]float32
					for c := range 2 {
						rb, _ := typ.RowBytes(cols)
						row := make([]byte, rb)
						if err := quant.Quantize(typ, row, kv[c][p*cols:(p+1)*cols]); err != nil {
							t.Fatal(err)
						}
						h[c] = make([]float32, cols)
						if err := quant.Dequantize(typ, h[c], row); err != nil {
							t.Fatal(err)
						}
					}
					held[tok{s, int32(p)}] = h
				}
				k, _ := d.Alloc(quant.F32, n, cols)
				v, _ := d.Alloc(quant.F32, n, cols)
				if err := d.Upload(k, f32Bytes(kv[0])); err != nil {
					t.Fatal(err)
				}
				if err := d.Upload(v, f32Bytes(kv[1])); err != nil {
					t.Fatal(err)
				}
				if err := d.StoreKV(kc, vc, k, v, &backend.Batch{Slots: slots}); err != nil {
					t.Fatal(err)
				}
			}
			n := len(toks)
			b := &backend.Batch{Pos: make([]int32, n), Seq: make([]int32, n), Slots: make([]int32, n), Tables: tables, BlockSize: block}
			for i, tk := range toks {
				b.Pos[i], b.Seq[i] = tk.pos, tk.seq
			}
			q, _ := d.Alloc(quant.F32, n, heads*hd)
			if err := d.Upload(q, f32Bytes(randRow(r, n*heads*hd))); err != nil {
				t.Fatal(err)
			}
			out, _ := d.Alloc(quant.F32, n, heads*hd)
			a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
			for range 2 { // the first call must leave its scratch as it found it
				if err := d.Attention(out, q, kc, vc, a, b); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			got, _ := F32(out)
			qs, _ := F32(q)
			want := make([]float32, hd)
			for i, tk := range toks {
				for h := range heads {
					kvh := h / (heads / kvHeads)
					var ks, vs [][]float32
					for p := range tk.pos + 1 {
						rows := held[tok{tk.seq, p}]
						ks = append(ks, rows[0][kvh*hd:(kvh+1)*hd])
						vs = append(vs, rows[1][kvh*hd:(kvh+1)*hd])
					}
					attentionRef(want, qs[(i*heads+h)*hd:(i*heads+h+1)*hd], ks, vs, a.Scale, tileStep)
					for e, w := range want {
						if g := got[(i*heads+h)*hd+e]; math.Float32bits(g) != math.Float32bits(w) {
							t.Fatalf("%s: token %d (sequence %d, position %d) head %d [%d] = %g, want %g", name, i, tk.seq, tk.pos, h, e, g, w)
						}
					}
				}
			}
		}
	}
}

// TestAxpyLanes16 checks axpyLanes16 against axpyRowsGeneric bit for bit
// at every level on random accumulators, weights and values: heads of 64,
// 128, 96 (the AVX2 kernel's, also on AVX-512) and 80 floats (neither's),
// rows one after another and further apart, 1 to 70 positions, first
// positions that are and are not multiples of 16.
func TestAxpyLanes16(t *testing.T) {
	r := rand.New(rand.NewPCG(93, 94))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, hd := range []int{64, 128, 96, 80} {
				for _, t0 := range []int{0, 32, 5} {
					for n := 1; n <= 70; n++ {
						stride := hd + 16*(n%3)
						acc := randRow(r, tileStep*hd)
						want := append([]float32(nil), acc...)
						v, w := randRow(r, (n-1)*stride+hd), randRow(r, n)
						axpyLanes16(acc, hd, t0, v, stride, w)
						axpyRowsGeneric(want, hd, tileStep-1, t0, v, stride, w)
						for i := range want {
							if math.Float32bits(acc[i]) != math.Float32bits(want[i]) {
								t.Fatalf("hd %d, t0 %d, %d positions: acc[%d] = %g, want %g", hd, t0, n, i, acc[i], want[i])
							}
						}
					}
				}
			}
		})
	}
}
