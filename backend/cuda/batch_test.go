package cuda

import (
	"slices"
	"testing"

	"github.com/tern-llm/tern/backend"
)

// TestAppendBatch checks the staged layout of a batch (what attention.cu
// reads as meta) on a hand-made batch, and that building it into a reused
// buffer, as stageBatch does, gives the same as into a fresh one. It needs
// no GPU.
func TestAppendBatch(t *testing.T) {
	b := &backend.Batch{
		Pos:    []int32{5, 0, 17},
		Seq:    []int32{0, 1, 1},
		Slots:  []int32{40, 3, 9},
		Tables: [][]int32{{2, 7}, {4}},
	}
	want := []int32{5, 0, 17, 0, 1, 1, 40, 3, 9, 0, 2, 3, 2, 7, 4}
	want = append(want, make([]int32, backend.TableCap(3)-3)...)
	if got := appendBatch(nil, b); !slices.Equal(got, want) {
		t.Fatalf("layout %v, want %v", got, want)
	}
	noSlots := &backend.Batch{Pos: b.Pos, Seq: b.Seq, Tables: b.Tables}
	want2 := slices.Clone(want)
	clear(want2[6:9])
	reused := []int32{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}
	for _, tc := range []struct {
		b    *backend.Batch
		want []int32
	}{{b, want}, {noSlots, want2}, {b, want}} {
		reused = appendBatch(reused[:0], tc.b)
		if !slices.Equal(reused, tc.want) {
			t.Fatalf("into a reused buffer: %v, want %v", reused, tc.want)
		}
	}
}
