package cpu

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// MatMulShared sets dsts[i] = x·ws[i]ᵀ for every i (backend.SharedMatMuler)
// as one parallel op: x is converted to the weights' activation type once,
// and the pool's participants claim chunks of rows from all the matrices
// together. A decode step's q, k and v (or gate and up) then cost one
// wake-up of the workers instead of three (or two), and the small k and v
// products no longer run as ops of their own, too short to reach memory
// speed. Every row goes through the kernel MatMul would pick for its
// matrix, so the results equal one MatMul each bit for bit.
//
// Weights of different formats share the op where their activations are
// of one type (a Q4_K_M file's Q4_K q and k with its Q6_K v, all Q8_K) and
// at most one of the formats lays them out further (prep, quantize). Other
// mixes, and streamed weights (whose repacked form lives in one transient
// buffer, see repackTransient), take one MatMul each.
func (d *Device) MatMulShared(dsts []*backend.Tensor, x *backend.Tensor, ws []*backend.Tensor) error {
	if len(dsts) != len(ws) {
		return fmt.Errorf("cpu: matmul: %d products into %d outputs", len(ws), len(dsts))
	}
	if !d.shareable(x, ws) {
		return d.matMulEach(dsts, x, ws)
	}
	n, k, xq, xb, ok, err := d.setupShared(dsts, x, ws)
	if err != nil || !ok {
		return err
	}
	d.sharedRows(ws, n, k, xq, xb)
	d.shared.clearOps()
	return nil
}

// setupShared sets up in d.shared the products dsts[i] = x·ws[i]ᵀ of
// shareable weights, for sharedRows, and converts x for them: it returns
// x's shape and the converted activations (xb bytes a row of xq). Where
// the weights' kernels lay out their activations in two ways it sets up
// nothing, makes the products one MatMul each and returns ok false.
func (d *Device) setupShared(dsts []*backend.Tensor, x *backend.Tensor, ws []*backend.Tensor) (n, k int, xq []byte, xb int, ok bool, err error) {
	xs, err := d.f32(x)
	if err != nil {
		return 0, 0, nil, 0, false, err
	}
	n, k = x.Rows, x.Cols
	s := &d.shared
	s.outs, s.kerns = s.outs[:0], s.kerns[:0]
	t := ws[0].Type
	vt, xb, xq, err := d.activations(t, n, k)
	if err != nil {
		return 0, 0, nil, 0, false, err
	}
	var prep func(int)
	var quantize func(int, []float32)
	var extras *q4Act
	var prepOf layoutKey // the layout prep and quantize make
	for i, w := range ws {
		out, err := d.f32(dsts[i])
		if err != nil {
			s.clearOps()
			return 0, 0, nil, 0, false, err
		}
		wb, err := d.bytes(w)
		if err != nil {
			s.clearOps()
			return 0, 0, nil, 0, false, err
		}
		if dsts[i].Rows != n || dsts[i].Cols != w.Rows {
			s.clearOps()
			return 0, 0, nil, 0, false, fmt.Errorf("cpu: matmul %v = %v · %vᵀ", dsts[i], x, w)
		}
		kern, err := d.kernelOf(w, n, k, wb, xq, xb)
		if err != nil {
			s.clearOps()
			return 0, 0, nil, 0, false, fmt.Errorf("cpu: matmul: %w weight type %s: %w", backend.ErrUnsupported, t, err)
		}
		// A kernel's prep (or quantize) lays out the converted
		// activations in the device's scratch, in a way that depends on
		// the format, whether the weights are repacked, n and k alone:
		// the matrices' kernels of one such layout share it, made once;
		// two layouts may not fit in the scratch together.
		if kern.prep != nil || kern.quantize != nil {
			key := layoutKey{w.Type, repacks(w.Type, w.Rows, k)}
			switch {
			case prep == nil && quantize == nil:
				prep, quantize, extras, prepOf = kern.prep, kern.quantize, kern.extras, key
			case key != prepOf:
				s.clearOps()
				return 0, 0, nil, 0, false, d.matMulEach(dsts, x, ws)
			}
		}
		s.outs = append(s.outs, out)
		s.kerns = append(s.kerns, kern)
	}
	if err := d.convert(vt, xs, n, k, xq, xb, prep, quantize, extras); err != nil {
		s.clearOps()
		return 0, 0, nil, 0, false, err
	}
	return n, k, xq, xb, true, nil
}

// clearOps drops the kernels and outputs setupShared set up: they hold the
// weights and activations until the next call otherwise.
func (s *sharedScratch) clearOps() {
	clear(s.kerns)
	clear(s.outs)
	s.kerns, s.outs = s.kerns[:0], s.outs[:0]
}

// layoutKey names the layout a kernel's prep or quantize gives the
// converted activations (MatMulShared): its weights' format, repacked or
// not (Q8_0 repacked takes a bias a block, Q8_0 kept whole pairs of tokens).
type layoutKey struct {
	t      quant.Type
	packed bool
}

// activations returns the activation type paired with weight type t, the
// bytes of one converted row of k and scratch for n such rows.
func (d *Device) activations(t quant.Type, n, k int) (quant.Type, int, []byte, error) {
	vt := quant.VecDotType(t)
	xb, err := vt.RowBytes(k)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("cpu: matmul: %w", err)
	}
	return vt, xb, d.scratch.bytes(n * xb), nil
}

// matMulEach sets dsts[i] = x·ws[i]ᵀ with one MatMul each.
func (d *Device) matMulEach(dsts []*backend.Tensor, x *backend.Tensor, ws []*backend.Tensor) error {
	for i, w := range ws {
		if err := d.MatMul(dsts[i], x, w); err != nil {
			return err
		}
	}
	return nil
}

// shareable reports whether the products of x with ws can run as one op:
// at least two weights, all of x's width, their activations of one type,
// none streamed.
func (d *Device) shareable(x *backend.Tensor, ws []*backend.Tensor) bool {
	if len(ws) < 2 {
		return false
	}
	vt := quant.VecDotType(ws[0].Type)
	for _, w := range ws {
		if quant.VecDotType(w.Type) != vt || w.Cols != x.Cols || d.streamed(w) {
			return false
		}
	}
	return true
}

// sharedRows runs the products set up in d.shared: the rows of all the
// matrices cut into pieces (cut), claimed by the participants from one
// counter. MatMul runs its one-token products here too.
func (d *Device) sharedRows(ws []*backend.Tensor, n, k int, xq []byte, xb int) {
	s := &d.shared
	total, align := 0, 1
	for i, w := range ws {
		total += w.Rows
		align = max(align, s.kerns[i].align)
	}
	minRows := max(align, minParallelWork/max(1, n*k))
	s.ws, s.n, s.xq, s.xb = ws, n, xq, xb
	defer s.drop()
	if d.threads == 1 || total < 2*minRows {
		for i, w := range ws {
			lo := 0
			if s.pair {
				if i == 0 {
					s.run(sharedPiece{mat: 0, b: 1, lo: 0, hi: w.Rows, two: true})
				}
				continue
			}
			if h := s.kerns[i].twoHalf(n, w.Rows); h > 0 {
				s.run(sharedPiece{mat: i, b: i, lo: 0, hi: h, h: h, two: true})
				lo = 2 * h
			}
			if lo < w.Rows {
				s.run(sharedPiece{mat: i, b: i, lo: lo, hi: w.Rows})
			}
		}
		if s.last != nil {
			s.last()
		}
		return
	}
	reserve := 0
	if n == 1 && d.ahead != nil && !d.streamed(ws[0]) {
		reserve = d.threads - 1
	}
	s.cut(ws, n, d.threads, minRows, reserve)
	s.reserve = min(reserve, len(s.pieces))
	if len(s.taken) < s.reserve {
		s.taken = make([]atomic.Bool, s.reserve)
	}
	for i := range s.reserve {
		s.taken[i].Store(false)
	}
	if s.reserve > 0 {
		d.planAhead(ws)
	}
	s.next.Store(int64(s.reserve))
	s.done.Store(0)
	if s.claim == nil {
		s.claim = s.claimPieces // made once: a product allocates nothing
	}
	d.pool.run(s.claim)
}

// planAhead records which weights the workers' reserved pieces of the
// product set up in d.shared read, and hands each worker its piece of the
// product that followed this one the last time (aheadPlans).
func (d *Device) planAhead(ws []*backend.Tensor) {
	s := &d.shared
	p := d.ahead.plan(unsafe.SliceData(s.kerns[0].mem))
	for i := 1; i < d.threads; i++ {
		var runs [2][]byte
		if i <= s.reserve {
			pc := s.pieces[i-1]
			mem, rb := s.kerns[pc.mat].mem, ws[pc.mat].RowBytes()
			runs[0] = mem[pc.lo*rb : pc.hi*rb]
			if pc.two {
				runs[1] = s.kerns[pc.b].mem[(pc.lo+pc.h)*rb : (pc.hi+pc.h)*rb]
			}
		}
		p.set(i, 0, runs[0])
		p.set(i, 1, runs[1])
	}
	d.ahead.begin(p, d.pool.gen.Load()+1)
}

// claimPieces is a participant's share of sharedRows: it claims pieces
// from s.next until none is left. Worker i first makes the piece reserved
// for it (piece i-1, which it has read ahead), and the reserved pieces of
// workers that have not come by then are made by those that are there.
func (s *sharedScratch) claimPieces(share, _ int) {
	if share >= 1 && share <= s.reserve {
		s.take(share - 1)
	}
	for {
		c := int(s.next.Add(1) - 1)
		if c >= len(s.pieces) {
			break
		}
		s.make(c)
	}
	for c := range s.reserve {
		s.take(c)
	}
}

// take makes reserved piece c unless a participant has taken it.
func (s *sharedScratch) take(c int) {
	if s.taken[c].CompareAndSwap(false, true) {
		s.make(c)
	}
}

// make runs piece c, and last after the last piece.
func (s *sharedScratch) make(c int) {
	s.run(s.pieces[c])
	if int(s.done.Add(1)) == len(s.pieces) && s.last != nil {
		s.last()
	}
}

// run computes piece p of the products set up in s (sharedRows).
func (s *sharedScratch) run(p sharedPiece) {
	kern := &s.kerns[p.mat]
	w := s.ws[p.mat]
	rb := w.RowBytes()
	if p.two {
		lo, hi := p.lo+p.h, p.hi+p.h // of matrix b
		kern.rowsTwo(s.outs[p.mat][p.lo:p.hi], s.outs[p.b][lo:hi], kern.mem[p.lo*rb:], s.kerns[p.b].mem[lo*rb:])
	} else {
		kern.tiles(s.outs[p.mat], s.n, w.Rows, p.lo, p.hi, kern.tile(rb), rb, s.xq, s.xb)
	}
	if s.after != nil {
		s.after(p)
	}
}

// drop forgets the operands of the last sharedRows.
func (s *sharedScratch) drop() { s.ws, s.xq = nil, nil }

// cut lays out in s.pieces the pieces of the products set up in s, in the
// order they are claimed. A several-token product's pieces each take a
// chunksPerShare·threads-th of all the rows; a one-token product's are
// guided from the first: a guidedShare·threads-th of what is left, no fewer
// than minPieceBytes of weights, so that the participants finish together
// (the one that runs out of pieces first waits only for a short last
// piece, not for half of a long one) in few pieces, each of which starts
// its streams afresh. Capping its first pieces at a
// chunksPerShare·threads-th of the rows, as a several-token product's are,
// made the 1.1B decode 0.1-1.0% slower in Q4_0, 0.1-1.3% in TQ2_0, 0-0.8%
// in Q8_0 and 0-0.1% in Q4_K (in-process A/B, bench/cpu-19-20.md, session
// 19).
//
// A kernel that reads two runs of rows (rowsTwo) takes its pieces from the
// first and the second half of its first run in turn, so that participants
// that claim at once read places a quarter of the matrix apart rather than
// neighbouring ones (their streams would share pages: bench/cpu-earlier.md,
// session 10), in pieces of whole pairs of alignments (twoAlign).
//
// Paired products (MatMulSwiGLU) are cut as a two-run kernel's first run
// would be, over all their rows, each piece taking the same rows of the
// second matrix beside those of the first.
//
// The first reserve pieces, reserved for the workers (claimPieces), hold
// at most aheadBytes of weights each: what a worker reads ahead.
func (s *sharedScratch) cut(ws []*backend.Tensor, n, threads, minRows, reserve int) {
	total := 0
	for _, w := range ws {
		total += w.Rows
	}
	shares := chunksPerShare // pieces a participant, at most
	if n == 1 {
		shares = guidedShare
	}
	base := max(minRows, total/(threads*shares))
	left := total // rows not in a piece yet
	s.pieces = s.pieces[:0]
	for i, w := range ws {
		if s.pair && i > 0 {
			break // its rows go beside matrix 0's
		}
		kern := &s.kerns[i]
		a := kern.align
		least := base // multi-token products: tiles, every piece alike
		if n == 1 {
			least = max(minRows, (minPieceBytes+w.RowBytes()-1)/max(1, w.RowBytes()))
		}
		// size is the rows (of work) of the next piece, per rows of work
		// each, rounded up to a multiple of al.
		size := func(per, al int) int {
			r := min(base, max(least, left/(threads*guidedShare)))
			if len(s.pieces) < reserve {
				r = min(r, aheadBytes/max(1, w.RowBytes()))
				return max(al, r/per/al*al)
			}
			return (r/per + al - 1) / al * al
		}
		// span rows go beside the rows h further on of matrix b
		h, b := kern.twoHalf(n, w.Rows), i
		span := h
		if s.pair {
			h, b, span = 0, 1, w.Rows
		}
		lo := 0
		if span > 0 {
			a2 := kern.twoAlign()
			mid := kern.twoMid(span)
			cur, end := [2]int{0, mid}, [2]int{mid, span}
			for side := 0; cur[0] < end[0] || cur[1] < end[1]; side ^= 1 {
				if cur[side] >= end[side] {
					side ^= 1
				}
				c := min(size(2, a2), end[side]-cur[side])
				s.pieces = append(s.pieces, sharedPiece{mat: i, b: b, lo: cur[side], hi: cur[side] + c, h: h, two: true})
				cur[side] += c
				left -= 2 * c
			}
			lo = span + h
		}
		for lo < w.Rows {
			c := min(size(1, a), w.Rows-lo)
			s.pieces = append(s.pieces, sharedPiece{mat: i, b: i, lo: lo, hi: lo + c})
			lo += c
			left -= c
		}
	}
}

// twoAlign is the rows the pieces of a two-run kernel's one-token product
// start and end at multiples of (cut): twice its alignment, since rowsTwo
// reads each of its runs as two halves (four streams) and leaves an odd
// last alignment of rows (a 16-row group of repacked Q4_0) to a call of its
// own on two streams. Cut at single alignments, a 1.1B Q4_0 decode step
// spent 5.6% of its kernels' time in those calls; cut at pairs it ran
// x1.005-1.017 as fast (bench/cpu-19-20.md, session 19).
func (kern *kernel) twoAlign() int { return 2 * kern.align }

// twoMid is where cut splits the first run (h rows) of a two-run kernel's
// one-token product in two, the halves' pieces claimed in turn: its middle,
// rounded up to a multiple of twoAlign (at most h).
func (kern *kernel) twoMid(h int) int {
	a2 := kern.twoAlign()
	return (h/a2 + 1) / 2 * a2
}

// guidedShare is how many pieces per participant a one-token product's
// remaining rows are cut into, from its first piece on (cut): each piece a
// quarter of what is left on 2 threads. Three, a sixth, ran the 1.1B
// decode x0.975-0.995 as fast (session 19).
const guidedShare = 2

// minPieceBytes is the fewest weight bytes of a one-token product's piece
// (cut): four streams of 64 KiB for the two-run kernels, long enough that
// starting them costs little beside reading them. In-process A/B in the
// 1.1B decode (session 19, bench/cpu-19-20.md): 128 KiB against 64 KiB, Q4_0
// x0.993-1.013 (median x1.005, 12 repetitions), TQ2_0 x1.007-1.018, Q8_0
// x0.993-1.009; then 256 KiB against 128 KiB, Q4_0 x0.997-1.014 (median
// x1.005, 12), TQ2_0 x1.005-1.017, Q8_0 x1.004-1.010, where 384 and 512
// KiB gained nothing more.
const minPieceBytes = 256 << 10

// sharedScratch is MatMulShared's working memory, reused across calls.
type sharedScratch struct {
	outs   [][]float32
	kerns  []kernel
	pieces []sharedPiece
	one    [1]*backend.Tensor // MatMul's weights, as sharedRows takes them
	// after, when set, runs after each piece, on the participant that made
	// it; last, when set, runs once every piece is made (and its after),
	// on the participant that made the last (MatMulAddRMSNorm).
	after func(sharedPiece)
	last  func()
	// pair, when set, pairs the rows of the two matrices: each piece
	// makes the same rows of both (MatMulSwiGLU); gu and wgu are that
	// op's outputs and weights, as MatMulShared takes them, and swiglu
	// its swigluPiece, bound once.
	pair   bool
	gu     [2]*backend.Tensor
	wgu    [2]*backend.Tensor
	swiglu func(sharedPiece)
	// The operands of the running sharedRows, for its participants.
	ws    []*backend.Tensor
	n, xb int
	xq    []byte
	claim func(share, n int) // claimPieces, bound once
	// reserve is how many of the first pieces are reserved, piece i for
	// worker i+1; taken[i] is set by the participant that makes it.
	reserve int
	taken   []atomic.Bool
	// norm is MatMulAddRMSNorm's operands; addPiece and normAll its
	// methods, bound once, for after and last.
	norm     addNorm
	addPiece func(sharedPiece)
	normAll  func()
	// next and done count the pieces claimed and made, on a cache line of
	// their own: the participants write them.
	_          [cacheLine]byte
	next, done atomic.Int64
	_          [cacheLine - 16]byte
}

// sharedPiece is rows [lo, hi) of matrix mat of a shared product; where
// two is set, with rows [lo+h, hi+h) of matrix b beside them, read at once
// (kernel.rowsTwo): the rows h further on of the same matrix (b = mat), or
// the same rows of the matrix paired with mat (h = 0, MatMulSwiGLU).
type sharedPiece struct {
	mat, b, lo, hi, h int
	two               bool
}
