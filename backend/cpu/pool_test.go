package cpu

import (
	"sync/atomic"
	"testing"
)

func TestPoolShares(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		d := New(threads)
		for range 100 {
			var seen [8]atomic.Int32
			d.pool.run(func(share, n int) {
				if n != threads {
					t.Errorf("n = %d, want %d", n, threads)
				}
				seen[share].Add(1)
			})
			// the caller always runs; a worker joins at most once
			if seen[0].Load() != 1 {
				t.Fatalf("threads=%d: the caller's share ran %d times", threads, seen[0].Load())
			}
			for s := 1; s < threads; s++ {
				if seen[s].Load() > 1 {
					t.Fatalf("threads=%d: share %d ran %d times", threads, s, seen[s].Load())
				}
			}
		}
		// parallel covers [0, n) exactly once, in aligned chunks
		for _, n := range []int{1, 7, 64, 1000, 100000} {
			marks := make([]atomic.Int32, n)
			d.parallelAligned(n, 1, 8, func(lo, hi int) {
				if lo%8 != 0 {
					t.Errorf("chunk at %d not aligned", lo)
				}
				for i := lo; i < hi; i++ {
					marks[i].Add(1)
				}
			})
			for i := range marks {
				if marks[i].Load() != 1 {
					t.Fatalf("threads=%d n=%d: item %d done %d times", threads, n, i, marks[i].Load())
				}
			}
		}
	}
}

func BenchmarkPoolRun(b *testing.B) {
	d := New(2)
	for b.Loop() {
		d.pool.run(func(int, int) {})
	}
}
