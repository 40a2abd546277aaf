package cpu

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestAheadSpans checks what a worker asks for of its piece, step after
// step: every byte of both runs once, each run as its two halves side by
// side (four streams, the first half ending on a cache line), no stream
// more than a quarter step at a time, nothing once the piece is done.
func TestAheadSpans(t *testing.T) {
	for _, lens := range [][2]int{{300 << 10, 300 << 10}, {512 << 10, 0}, {100, 3}, {12345, 67891}, {0, 0}, {64, 0}} {
		var g [2]aheadRegion
		base := [2]uintptr{1 << 40, 1<<40 + 1<<30 + 17}
		for r := range 2 {
			g[r].p.Store(base[r])
			g[r].n.Store(int64(lens[r]))
		}
		seen := [2][]int{make([]int, lens[0]), make([]int, lens[1])}
		steps := 0
		for off := 0; ; off += aheadStep / 4 {
			spans := aheadSpans(&g, off)
			any := false
			for s, sp := range spans {
				if sp.n == 0 {
					continue
				}
				any = true
				if sp.n > aheadStep/4 {
					t.Fatalf("%v: stream %d asks %d bytes at once", lens, s, sp.n)
				}
				r := s / 2
				half := lens[r] / 2 &^ (cacheLine - 1)
				start := int(sp.at - base[r])
				if want := off + s%2*half; start != want {
					t.Fatalf("%v: stream %d at %d, want %d", lens, s, start, want)
				}
				for i := start; i < start+sp.n; i++ {
					seen[r][i]++
				}
			}
			if !any {
				break
			}
			if steps++; steps > 1<<20 {
				t.Fatalf("%v: no end", lens)
			}
		}
		for r := range 2 {
			for i, c := range seen[r] {
				if c != 1 {
					t.Fatalf("%v: run %d byte %d asked for %d times", lens, r, i, c)
				}
			}
		}
	}
}

// TestAheadPlans checks that a product hands the workers the piece of the
// product that followed it the last time, from its own op on, and that
// freeing a product's weights forgets the plans.
func TestAheadPlans(t *testing.T) {
	a := &aheadPlans{shares: make([]aheadShare, 3)}
	w := [3][]byte{make([]byte, 1<<10), make([]byte, 2<<10), make([]byte, 3<<10)}
	plans := [3]*aheadPlan{}
	for i := range plans {
		plans[i] = a.plan(&w[i][0])
		for s := 1; s < 3; s++ {
			plans[i].set(s, 0, w[i][:s*100])
		}
	}
	if a.plan(&w[1][0]) != plans[1] {
		t.Fatal("a second plan for one product")
	}
	gen := uint64(10)
	for _, i := range []int{0, 1, 2, 0} { // 0, 1, 2, then 0 again: 1 follows 0
		gen++
		a.begin(plans[i], gen)
	}
	for s := 1; s < 3; s++ {
		sh := &a.shares[s]
		if sh.plan.Load() != plans[1] || sh.after.Load() != gen {
			t.Fatalf("worker %d: plan %p from op %d, want %p (product 1) from %d", s, sh.plan.Load(), sh.after.Load(), plans[1], gen)
		}
		if a.read(s, gen-1) {
			t.Errorf("worker %d read ahead before the op that handed it over", s)
		}
		n := 0
		for a.read(s, gen) {
			if n++; n > 1000 {
				t.Fatalf("worker %d: reading ahead does not end", s)
			}
		}
		if want := (s*100 + aheadStep/4 - 1) / (aheadStep / 4); n != want {
			t.Errorf("worker %d: %d reads of its %d bytes, want %d", s, n, s*100, want)
		}
	}
	a.drop(&w[2][5], nil)
	if len(a.byKey) != 3 {
		t.Fatal("dropping unplanned bytes forgot the plans")
	}
	a.drop(nil, &w[2][0])
	if len(a.byKey) != 0 || a.shares[1].plan.Load() != nil || a.read(1, gen) {
		t.Error("freeing a product's weights left its plans")
	}
}

// TestReadAhead runs one-token products in a repeating order, so that the
// workers read their pieces ahead from the second round on, on 2 and 3
// threads, and checks each against the same product on 1 thread, bit for
// bit; the reserved pieces of a worker that never comes are made by the
// others.
func TestReadAhead(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	const k = 2048
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q4_K} {
		rows := []int{512, 256, 1024}
		wb := make([][]byte, len(rows))
		for i, m := range rows {
			rb, _ := typ.RowBytes(k)
			wb[i] = make([]byte, m*rb)
			for j := range m {
				if err := quant.Quantize(typ, wb[i][j*rb:(j+1)*rb], randRow(r, k)); err != nil {
					t.Fatal(err)
				}
			}
		}
		xs := randRow(r, k)
		want := make([][]float32, len(rows))
		for _, threads := range []int{1, 2, 3} {
			d := New(threads)
			ws := make([]*backend.Tensor, len(rows))
			for i, m := range rows {
				var err error
				if ws[i], err = d.Map(typ, m, k, wb[i]); err != nil {
					t.Fatal(err)
				}
			}
			x, _ := d.Alloc(quant.F32, 1, k)
			if err := d.Upload(x, f32Bytes(xs)); err != nil {
				t.Fatal(err)
			}
			for round := range 3 {
				for i, w := range ws {
					out, _ := d.Alloc(quant.F32, 1, w.Rows)
					if err := d.MatMul(out, x, w); err != nil {
						t.Fatal(err)
					}
					got, _ := F32(out)
					if threads == 1 {
						want[i] = got
						continue
					}
					for j := range got {
						if math.Float32bits(got[j]) != math.Float32bits(want[i][j]) {
							t.Fatalf("%s, %d threads, round %d, product %d: row %d = %g, want %g", typ, threads, round, i, j, got[j], want[i][j])
						}
					}
				}
				if threads == 1 {
					break
				}
			}
			if threads > 1 && readsAhead {
				if sh := &d.ahead.shares[1]; sh.plan.Load() == nil {
					t.Errorf("%s, %d threads: no plan handed to worker 1", typ, threads)
				}
			}
		}
	}
}

// TestReservedPieces makes the pieces of a cut with reserved pieces on
// one participant, as if the workers never came: every piece is made once.
func TestReservedPieces(t *testing.T) {
	d := New(1)
	rb, _ := quant.Q8_0.RowBytes(2048)
	mem := make([]byte, 4096*rb)
	w, err := d.Map(quant.Q8_0, 4096, 2048, mem)
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{2, 3, 4} {
		s := &sharedScratch{kerns: []kernel{{align: 1}}}
		ws := []*backend.Tensor{w}
		s.cut(ws, 1, threads, 1, threads-1)
		s.reserve = threads - 1
		s.taken = make([]atomic.Bool, s.reserve)
		s.next.Store(int64(s.reserve))
		made := make([]int, len(s.pieces))
		s.ws, s.n, s.xq, s.xb = ws, 1, make([]byte, rb), rb
		s.after = func(p sharedPiece) {
			for i, q := range s.pieces {
				if q == p {
					made[i]++
				}
			}
		}
		s.kerns[0].rows = func([]float32, int, int, []byte) {}
		s.outs = [][]float32{make([]float32, 4096)}
		lastRuns := 0
		s.last = func() { lastRuns++ }
		s.claimPieces(0, threads)
		for i, c := range made {
			if c != 1 {
				t.Fatalf("%d threads: piece %d made %d times", threads, i, c)
			}
		}
		if lastRuns != 1 {
			t.Errorf("%d threads: last ran %d times", threads, lastRuns)
		}
		for i, p := range s.pieces[:s.reserve] {
			if b := (p.hi - p.lo) * rb; b > aheadBytes {
				t.Errorf("%d threads: reserved piece %d holds %d bytes, more than %d", threads, i, b, aheadBytes)
			}
		}
	}
}
