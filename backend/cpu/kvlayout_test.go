package cpu

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestCacheByHead checks that a cache from AllocCache, laid out by head
// within its blocks where its heads are long enough, gives StoreKV and
// Attention bit for bit what a cache laid out row after row gives: F32 and
// F16, one token and several, short caches and long ones (values added
// lane by lane), groups of 1 to 4 heads, heads of 32 to 128, blocks of 16
// and 32 taken out of order.
func TestCacheByHead(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, typ := range []quant.Type{quant.F32, quant.F16} {
				for _, tc := range []struct {
					heads, kvHeads, hd, block int
					pos                       []int32
				}{
					{8, 2, 64, 16, []int32{0}},
					{8, 2, 64, 16, []int32{37}},
					{8, 2, 64, 16, []int32{63}},
					{8, 2, 64, 16, []int32{100}},
					{8, 2, 64, 32, []int32{127}},
					{8, 2, 64, 16, []int32{1600}},
					{8, 2, 64, 16, []int32{2100}},
					{4, 4, 32, 32, []int32{70}},
					{8, 1, 128, 16, []int32{15, 16, 17}},
					{6, 2, 64, 16, []int32{130}},
					{8, 2, 64, 32, []int32{40, 41}},
				} {
					checkCacheByHead(t, r, fmt.Sprintf("%s %+v", typ, tc), typ, tc.heads, tc.kvHeads, tc.hd, tc.block, tc.pos)
				}
			}
		})
	}
}

func checkCacheByHead(t *testing.T, r *rand.Rand, name string, typ quant.Type, heads, kvHeads, hd, block int, pos []int32) {
	t.Helper()
	d := New(2)
	n := len(pos)
	positions := int(pos[n-1]) + 1
	blocks := (positions+block-1)/block + 1 // one block unused
	table := make([]int32, blocks-1)
	for i := range table {
		table[i] = int32(blocks - 1 - i)
	}
	cols := kvHeads * hd
	rowMajor := [2]*backend.Tensor{}
	byHead := [2]*backend.Tensor{}
	for i := range 2 {
		rowMajor[i], _ = d.Alloc(typ, blocks*block, cols)
		var err error
		if byHead[i], err = d.AllocCache(typ, blocks, block, kvHeads, hd); err != nil {
			t.Fatal(err)
		}
	}
	// every position's keys and values, stored through StoreKV
	slots := make([]int32, positions)
	for p := range slots {
		slots[p] = table[p/block]*int32(block) + int32(p%block)
	}
	k, _ := d.Alloc(quant.F32, positions, cols)
	v, _ := d.Alloc(quant.F32, positions, cols)
	for _, x := range []*backend.Tensor{k, v} {
		if err := d.Upload(x, f32Bytes(randRow(r, positions*cols))); err != nil {
			t.Fatal(err)
		}
	}
	store := &backend.Batch{Slots: slots}
	for _, c := range [][2]*backend.Tensor{rowMajor, byHead} {
		if err := d.StoreKV(c[0], c[1], k, v, store); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	rb, _ := d.bytes(rowMajor[0])
	hb, _ := d.bytes(byHead[0])
	es := typ.BlockBytes() / typ.BlockSize()
	if want := kvHeads > 1 && hd*es >= minHeadRun; bytes.Equal(rb, hb) == want {
		t.Fatalf("%s: laid out by head %v, want %v", name, !bytes.Equal(rb, hb), want)
	}
	b := &backend.Batch{Pos: pos, Seq: make([]int32, n), Slots: make([]int32, n), Tables: [][]int32{table}, BlockSize: block}
	q, _ := d.Alloc(quant.F32, n, heads*hd)
	if err := d.Upload(q, f32Bytes(randRow(r, n*heads*hd))); err != nil {
		t.Fatal(err)
	}
	a := &backend.Attn{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.125}
	var outs [2][]float32
	for i, c := range [][2]*backend.Tensor{rowMajor, byHead} {
		out, _ := d.Alloc(quant.F32, n, heads*hd)
		if err := d.Attention(out, q, c[0], c[1], a, b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		outs[i], _ = F32(out)
	}
	for e, w := range outs[0] {
		if g := outs[1][e]; math.Float32bits(g) != math.Float32bits(w) {
			t.Fatalf("%s: [%d] = %g by head, %g row after row", name, e, g, w)
		}
	}
	// a batch of another block size, or another head size, is refused
	bad := *b
	bad.BlockSize = 2 * block
	out, _ := d.Alloc(quant.F32, n, heads*hd)
	if err := d.Attention(out, q, byHead[0], byHead[1], a, &bad); err == nil {
		t.Fatalf("%s: blocks of %d taken as %d: no error", name, block, bad.BlockSize)
	}
}
