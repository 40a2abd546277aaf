package cuda

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tern-llm/tern/backend"
)

// TestBatchHolds: batchCache.holds(b) is true exactly when the cached
// layout equals batchLayout(b), for batches that differ from the cached
// one in each part (positions, sequences, slots present or absent, table
// starts, table entries, table lengths within and past the staged
// capacity). It needs no GPU.
func TestBatchHolds(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	batch := func(n, nseq, maxTable int) *backend.Batch {
		b := &backend.Batch{BlockSize: 16}
		for i := range n {
			b.Pos = append(b.Pos, int32(r.IntN(1000)))
			b.Seq = append(b.Seq, int32(i%nseq))
			b.Slots = append(b.Slots, int32(r.IntN(5000)))
		}
		for range nseq {
			tb := make([]int32, 1+r.IntN(maxTable))
			for j := range tb {
				tb[j] = int32(r.IntN(300))
			}
			b.Tables = append(b.Tables, tb)
		}
		return b
	}
	clone := func(b *backend.Batch) *backend.Batch {
		c := &backend.Batch{BlockSize: b.BlockSize, Pos: slices.Clone(b.Pos), Seq: slices.Clone(b.Seq), Slots: slices.Clone(b.Slots)}
		for _, tb := range b.Tables {
			c.Tables = append(c.Tables, slices.Clone(tb))
		}
		return c
	}
	edits := []func(b *backend.Batch){
		func(b *backend.Batch) {},
		func(b *backend.Batch) { b.Pos[r.IntN(len(b.Pos))]++ },
		func(b *backend.Batch) { b.Seq[len(b.Seq)-1] ^= 1 },
		func(b *backend.Batch) { b.Slots[0] += 7 },
		func(b *backend.Batch) { b.Slots = nil },
		func(b *backend.Batch) { b.Seq = nil },
		func(b *backend.Batch) { tb := b.Tables[r.IntN(len(b.Tables))]; tb[len(tb)-1]++ },
		func(b *backend.Batch) { b.Tables[0] = append(b.Tables[0], 3) },           // grows, maybe past the capacity
		func(b *backend.Batch) { b.Tables[0] = b.Tables[0][:len(b.Tables[0])-1] }, // shrinks (may empty it)
		func(b *backend.Batch) { // moves an entry from one table to the next: same total, other starts
			if len(b.Tables) > 1 && len(b.Tables[0]) > 1 {
				b.Tables[1] = append([]int32{b.Tables[0][0]}, b.Tables[1]...)
				b.Tables[0] = b.Tables[0][1:]
			}
		},
		func(b *backend.Batch) { b.Tables = append(b.Tables, []int32{0}) },
	}
	for i := range 400 {
		n := 1 + r.IntN(5)
		b := batch(n, 1+r.IntN(n), 1+r.IntN(40))
		c := batchCache{flat: batchLayout(b)}
		edit := edits[i%len(edits)]
		b2 := clone(b)
		edit(b2)
		want := slices.Equal(c.flat, batchLayout(b2))
		if got := c.holds(b2); got != want {
			t.Fatalf("case %d (edit %d): holds = %v, layouts equal = %v\nbefore %+v\nafter %+v", i, i%len(edits), got, want, b, b2)
		}
		if i%len(edits) == 0 && !want {
			t.Fatalf("case %d: an unedited batch does not hold", i)
		}
	}
}
