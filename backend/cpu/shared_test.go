package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// sharedFormats is every weight format the device multiplies by.
var sharedFormats = []quant.Type{
	quant.F32, quant.F16, quant.BF16, quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0,
	quant.IQ4_NL, quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.TQ1_0, quant.TQ2_0,
}

// TestMatMulShared checks MatMulShared against one MatMul per weight, bit
// for bit, at every kernel level, for every format, one token and several
// (a tail past the four-token kernels), with matrices whose rows fit the
// repacked Q4_0 groups of 16 and of 8 and fit none, with weights mapped
// (Q4_0 repacked at Map) and allocated (repacked on first use), and for
// weights of mixed formats (one op where their activations are of one
// type and one format at most lays them out; one MatMul each else).
func TestMatMulShared(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, typ := range sharedFormats {
				k := 96
				if typ.BlockSize() == 256 {
					k = 512
				}
				for _, n := range []int{1, 6} {
					types := []quant.Type{typ, typ, typ}
					checkShared(t, r, types, []int{48, 8, 13}, n, k, true)
					checkShared(t, r, types[:2], []int{37, 16}, n, k, false)
				}
			}
			checkShared(t, r, []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q4_0}, []int{16, 9, 24}, 5, 64, true)
			// formats whose activations are of one type share the op
			// where at most one lays them out further; the others (TQ2_0
			// with Q4_K, Q4_0 with Q8_0 for several tokens) fall back
			for _, n := range []int{1, 6} {
				checkShared(t, r, []quant.Type{quant.Q4_K, quant.Q4_K, quant.Q6_K}, []int{48, 16, 16}, n, 512, true)
				checkShared(t, r, []quant.Type{quant.Q6_K, quant.Q5_K, quant.Q4_K}, []int{16, 32, 17}, n, 512, false)
				checkShared(t, r, []quant.Type{quant.TQ2_0, quant.Q4_K, quant.Q6_K}, []int{16, 16, 16}, n, 512, true)
				checkShared(t, r, []quant.Type{quant.Q4_0, quant.Q5_0, quant.IQ4_NL, quant.Q8_0}, []int{32, 16, 24, 16}, n, 96, true)
			}
		})
	}
}

// TestMatMulSharedSplits runs a shared product large enough to be cut into
// many chunks over the pool (the 1.1B model's q, k and v widths, a quarter
// of their rows) and compares it with one MatMul each.
func TestMatMulSharedSplits(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q4_K} {
		for _, n := range []int{1, 7} {
			checkShared(t, r, []quant.Type{typ, typ, typ}, []int{512, 128, 136}, n, 2048, true)
		}
	}
	for _, n := range []int{1, 7} { // a Q4_K_M file's q, k and v
		checkShared(t, r, []quant.Type{quant.Q4_K, quant.Q4_K, quant.Q6_K}, []int{512, 128, 128}, n, 2048, true)
	}
}

func checkShared(t *testing.T, r *rand.Rand, types []quant.Type, rows []int, n, k int, mapped bool) {
	t.Helper()
	name := fmt.Sprintf("%v rows=%v n=%d k=%d mapped=%v", types, rows, n, k, mapped)
	d := New(2)
	ws := make([]*backend.Tensor, len(types))
	for i, typ := range types {
		rb, err := typ.RowBytes(k)
		if err != nil {
			t.Fatal(err)
		}
		wb := make([]byte, rows[i]*rb)
		for j := range rows[i] {
			if err := quant.Quantize(typ, wb[j*rb:(j+1)*rb], randRow(r, k)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if mapped {
			ws[i], err = d.Map(typ, rows[i], k, wb)
		} else {
			ws[i], err = d.Alloc(typ, rows[i], k)
			if err == nil {
				err = d.Upload(ws[i], wb)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	x, _ := d.Alloc(quant.F32, n, k)
	if err := d.Upload(x, f32Bytes(randRow(r, n*k))); err != nil {
		t.Fatal(err)
	}
	shared := make([]*backend.Tensor, len(ws))
	for i, w := range ws {
		shared[i], _ = d.Alloc(quant.F32, n, w.Rows)
		// garbage where the product must write: a row left alone shows
		if err := d.Upload(shared[i], f32Bytes(randRow(r, n*w.Rows))); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.MatMulShared(shared, x, ws); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i, w := range ws {
		one, _ := d.Alloc(quant.F32, n, w.Rows)
		if err := d.MatMul(one, x, w); err != nil {
			t.Fatal(err)
		}
		want, _ := F32(one)
		got, _ := F32(shared[i])
		for j := range want {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%s: product %d [%d,%d] = %g, want %g (MatMul)", name, i, j/w.Rows, j%w.Rows, got[j], want[j])
			}
		}
	}
}

// TestMatMulSharedErrors checks that bad shapes are errors, not panics.
func TestMatMulSharedErrors(t *testing.T) {
	d := New(2)
	alloc := func(typ quant.Type, rows, cols int) *backend.Tensor { return testAlloc(t, d, typ, rows, cols) }
	x := alloc(quant.F32, 1, 64)
	w1, w2 := alloc(quant.Q8_0, 16, 64), alloc(quant.Q8_0, 8, 64)
	for _, tc := range []struct {
		name string
		dsts []*backend.Tensor
		x    *backend.Tensor
		ws   []*backend.Tensor
	}{
		{"counts", []*backend.Tensor{alloc(quant.F32, 1, 16)}, x, []*backend.Tensor{w1, w2}},
		{"output width", []*backend.Tensor{alloc(quant.F32, 1, 16), alloc(quant.F32, 1, 9)}, x, []*backend.Tensor{w1, w2}},
		{"output rows", []*backend.Tensor{alloc(quant.F32, 1, 16), alloc(quant.F32, 2, 8)}, x, []*backend.Tensor{w1, w2}},
		{"weight width", []*backend.Tensor{alloc(quant.F32, 1, 16), alloc(quant.F32, 1, 8)}, x, []*backend.Tensor{w1, alloc(quant.Q8_0, 8, 96)}},
		{"output type", []*backend.Tensor{alloc(quant.F32, 1, 16), alloc(quant.F16, 1, 8)}, x, []*backend.Tensor{w1, w2}},
		{"input type", []*backend.Tensor{alloc(quant.F32, 1, 16), alloc(quant.F32, 1, 8)}, alloc(quant.F16, 1, 64), []*backend.Tensor{w1, w2}},
	} {
		if err := d.MatMulShared(tc.dsts, tc.x, tc.ws); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestSharedCut checks the pieces cut lays out: every row of every matrix
// in exactly one piece (a two-run piece covers its rows and those h
// further), starts at multiples of the kernel's alignment, two-run pieces
// inside the first run and at multiples of twice the alignment but where
// the run ends; for one token, a last piece no longer than the
// first, and every piece but the last of a run at least minPieceBytes of
// weights (or a guidedShare·threads-th of the rows, where less); for
// several tokens, pieces of one length but for the last of each run; and
// for one token with a piece reserved for each worker (reading ahead),
// reserved pieces of at most aheadBytes. Paired products (MatMulSwiGLU)
// are cut as one two-run product over the first matrix's rows.
func TestSharedCut(t *testing.T) {
	d := New(2)
	var mem []byte // the weights' bytes, never read: one buffer for all
	for _, tc := range []struct {
		rows   []int
		k      int
		two    bool
		align  int
		n      int
		thread int
		pair   bool
	}{
		{[]int{2048, 512, 512}, 2048, true, 16, 1, 2, false},
		{[]int{8192, 8192}, 2048, true, 16, 1, 2, false},
		{[]int{2048}, 8192, true, 16, 1, 2, false},
		{[]int{32000}, 2048, true, 16, 1, 2, false},
		{[]int{2051, 37}, 2048, true, 1, 1, 3, false},
		{[]int{4099}, 2048, false, 1, 1, 2, false},
		{[]int{4096, 1024}, 2048, false, 16, 7, 2, false},
		{[]int{100, 37}, 4096, true, 1, 1, 2, false},
		{[]int{8192, 8192}, 2048, true, 16, 1, 2, true},
		{[]int{5632, 5632}, 2048, true, 16, 1, 2, true},
		{[]int{48, 48}, 2048, true, 16, 1, 2, true},
		{[]int{1000, 1000}, 4096, true, 1, 1, 3, true},
	} {
		name := fmt.Sprintf("%+v", tc)
		s := &sharedScratch{pair: tc.pair}
		ws := make([]*backend.Tensor, len(tc.rows))
		total := 0
		for i, m := range tc.rows {
			rb, _ := quant.Q8_0.RowBytes(tc.k)
			if len(mem) < m*rb {
				mem = make([]byte, m*rb)
			}
			var err error
			if ws[i], err = d.Map(quant.Q8_0, m, tc.k, mem); err != nil {
				t.Fatal(err)
			}
			kern := kernel{align: tc.align}
			if tc.two {
				kern.rowsTwo = func(_, _ []float32, _, _ []byte) {}
			}
			s.kerns = append(s.kerns, kern)
			total += m
		}
		minRows := max(tc.align, minParallelWork/(tc.n*tc.k))
		for _, reserve := range []int{0, tc.thread - 1} {
			if reserve > 0 && tc.n > 1 {
				continue
			}
			checkCut(t, fmt.Sprintf("%s reserve=%d", name, reserve), s, ws, tc.rows, tc.n, tc.thread, tc.align, minRows, total, reserve)
		}
	}
}

// checkCut cuts the products set up in s with reserve pieces reserved and
// checks the pieces (TestSharedCut).
func checkCut(t *testing.T, name string, s *sharedScratch, ws []*backend.Tensor, rows []int, n, threads, align, minRows, total, reserve int) {
	t.Helper()
	s.cut(ws, n, threads, minRows, reserve)
	seen := make([][]int, len(ws))
	for i, m := range rows {
		seen[i] = make([]int, m)
	}
	// span is the rows of matrix i whose pieces have a second run beside
	// them, h how far on that run is, b in which matrix
	span := func(i int) (span, h, b int) {
		if s.pair {
			return rows[0], 0, 1
		}
		h = s.kerns[i].twoHalf(n, rows[i])
		return h, h, i
	}
	for j, p := range s.pieces {
		m := rows[p.mat]
		sp, h, b := span(p.mat)
		if p.lo%align != 0 || p.lo >= p.hi || p.hi > m || p.two && (p.h != h || p.b != b || p.hi > sp) ||
			!p.two && (p.lo < sp+h || p.b != p.mat) || s.pair && p.mat != 0 {
			t.Fatalf("%s: piece %d %+v (span %d, h=%d) out of place", name, j, p, sp, h)
		}
		// two-run pieces at pairs of alignments (kernel.twoAlign), but
		// where the run ends
		if a2 := s.kerns[p.mat].twoAlign(); p.two && (p.lo%a2 != 0 || p.hi%a2 != 0 && p.hi != sp) {
			t.Errorf("%s: piece %d %+v not at multiples of %d rows", name, j, p, a2)
		}
		for r := p.lo; r < p.hi; r++ {
			seen[p.mat][r]++
			if p.two {
				seen[p.b][r+p.h]++
			}
		}
	}
	for i := range seen {
		for r, c := range seen[i] {
			if c != 1 {
				t.Fatalf("%s: matrix %d row %d in %d pieces", name, i, r, c)
			}
		}
	}
	work := func(p sharedPiece) int {
		if p.two {
			return 2 * (p.hi - p.lo)
		}
		return p.hi - p.lo
	}
	if first, last := work(s.pieces[reserve]), work(s.pieces[len(s.pieces)-1]); n == 1 && last > first {
		t.Errorf("%s: last piece %d rows, first %d", name, last, first)
	}
	// reserved pieces: at most aheadBytes of weights, or one
	// alignment (a pair for two runs) where that is more
	for j, p := range s.pieces[:reserve] {
		rb, unit := ws[p.mat].RowBytes(), s.kerns[p.mat].align
		if p.two {
			unit = 2 * s.kerns[p.mat].twoAlign()
		}
		if b := work(p) * rb; b > max(aheadBytes, unit*rb) {
			t.Errorf("%s: reserved piece %d %+v holds %d bytes", name, j, p, b)
		}
	}
	lengths := map[[2]int]int{} // matrix, two runs or not: rows of a piece
	for j, p := range s.pieces {
		m := rows[p.mat]
		if j < reserve {
			continue
		}
		if sp, _, _ := span(p.mat); p.hi == m || p.two && (p.hi == sp || p.hi == s.kerns[p.mat].twoMid(sp)) {
			continue // the last of its run (a run of two is cut at its middle): what is left
		}
		if n > 1 {
			key := [2]int{p.mat, min(p.h, 1)}
			if l, ok := lengths[key]; ok && l != p.hi-p.lo {
				t.Errorf("%s: piece %d %+v of %d rows, others %d", name, j, p, p.hi-p.lo, l)
			}
			lengths[key] = p.hi - p.lo
			continue
		}
		rb := ws[p.mat].RowBytes()
		// at least minPieceBytes, unless a guidedShare·threads-th of
		// all the rows is less
		base := max(minRows, total/(threads*guidedShare))
		if least := min(base, max(minRows, (minPieceBytes+rb-1)/rb)); work(p) < least-1 {
			t.Errorf("%s: piece %d %+v has %d rows of work, want %d", name, j, p, work(p), least)
		}
	}
}
