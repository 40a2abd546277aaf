package cuda

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

// TestAttentionTile checks the tiled prompt kernels (attention_tile_*)
// against the CPU's Attention and the GPU's other kernels, for every head
// size and group they exist for, both cache types: a prompt in two chunks
// (the second attending to the first's positions, tiles past a block's
// end and a last tile cut short), and two sequences whose rows fill whole
// tiles; rows of two sequences in one tile take the other kernels.
func TestAttentionTile(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	defer func() { attTiles = true }()
	rng := rand.New(rand.NewPCG(41, 41))
	const bs = 16
	for _, cache := range []quant.Type{quant.F32, quant.F16} {
		for _, s := range []struct{ heads, kv, hd int }{
			{8, 8, 64}, {8, 4, 64}, {8, 2, 64}, {16, 2, 64}, {4, 4, 128}, {8, 4, 128}, {8, 2, 128}, {8, 1, 128},
		} {
			qt, _ := attTileTokens(s.hd, s.heads/s.kv)
			name := fmt.Sprintf("%s/h%d_kv%d_hd%d", cache, s.heads, s.kv, s.hd)
			// 16 blocks (256 positions) a sequence, shuffled
			tables := make([][]int32, 2)
			for i, blk := range rng.Perm(32) {
				tables[i%2] = append(tables[i%2], int32(blk))
			}
			kc := newPair(t, host, dev, cache, 32*bs, s.kv*s.hd, nil)
			vc := newPair(t, host, dev, cache, 32*bs, s.kv*s.hd, nil)
			a := &backend.Attn{Heads: s.heads, KVHeads: s.kv, HeadDim: s.hd, Scale: 0.125}
			for _, st := range []struct {
				runs  [][3]int // sequence, first position, tokens
				tiled bool
			}{
				{[][3]int{{0, 0, 30}}, true},
				{[][3]int{{0, 30, 70}}, true},
				{[][3]int{{1, 0, 2 * qt}, {0, 100, 3*qt - 1}}, true},
				{[][3]int{{1, 2 * qt, 3}, {0, 100 + 3*qt - 1, qt}}, qt == 1},
			} {
				b := &backend.Batch{Tables: tables, BlockSize: bs}
				for _, r := range st.runs {
					for p := r[1]; p < r[1]+r[2]; p++ {
						b.Pos = append(b.Pos, int32(p))
						b.Seq = append(b.Seq, int32(r[0]))
						b.Slots = append(b.Slots, int32(b.Row(r[0], p)))
					}
				}
				n := b.Len()
				what := fmt.Sprintf("%s/%v", name, st.runs)
				q := f32Pair(t, host, dev, n, s.heads*s.hd, randF32(rng, n*s.heads*s.hd, 1))
				k := f32Pair(t, host, dev, n, s.kv*s.hd, randF32(rng, n*s.kv*s.hd, 1))
				v := f32Pair(t, host, dev, n, s.kv*s.hd, randF32(rng, n*s.kv*s.hd, 1))
				out := f32Pair(t, host, dev, n, s.heads*s.hd, nil)
				if err := host.StoreKV(kc.c, vc.c, k.c, v.c, b); err != nil {
					t.Fatal(err)
				}
				if err := dev.StoreKV(kc.g, vc.g, k.g, v.g, b); err != nil {
					t.Fatal(err)
				}
				c, err := dev.attPrep(out.g, q.g, kc.g, vc.g, a, b)
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.HasPrefix(c.kernel, "attention_tile_"); got != st.tiled {
					t.Errorf("%s: kernel %s", what, c.kernel)
				}
				if err := host.Attention(out.c, q.c, kc.c, vc.c, a, b); err != nil {
					t.Fatal(err)
				}
				poison(t, dev, out.g)
				if err := dev.Attention(out.g, q.g, kc.g, vc.g, a, b); err != nil {
					t.Fatal(err)
				}
				compare(t, dev, out, tolFor(cache), what)
				// the same on the other kernels
				other := f32Pair(t, host, dev, n, s.heads*s.hd, nil)
				attTiles = false
				err = dev.Attention(other.g, q.g, kc.g, vc.g, a, b)
				attTiles = true
				if err != nil {
					t.Fatal(err)
				}
				other.c = out.c
				compare(t, dev, other, tolFor(cache), what+"/untiled")
			}
		}
	}
}
