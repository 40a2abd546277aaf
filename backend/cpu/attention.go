package cpu

import (
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// StoreKV copies each token's keys and values into its cache row.
func (d *Device) StoreKV(kc, vc, k, v *backend.Tensor, b *backend.Batch) error {
	for _, p := range [2]struct{ cache, src *backend.Tensor }{{kc, k}, {vc, v}} {
		if err := d.storeRows(p.cache, p.src, b.Slots); err != nil {
			return fmt.Errorf("cpu: store kv: %w", err)
		}
	}
	return nil
}

func (d *Device) storeRows(cache, src *backend.Tensor, slots []int32) error {
	xs, err := d.f32(src)
	if err != nil {
		return err
	}
	cb, err := d.bytes(cache)
	if err != nil {
		return err
	}
	if cache.Cols != src.Cols || len(slots) != src.Rows {
		return fmt.Errorf("%v into cache %v with %d slots", src, cache, len(slots))
	}
	rb, l := cache.RowBytes(), d.layoutOf(cache)
	for i, s := range slots {
		if s < 0 || int(s) >= cache.Rows {
			return fmt.Errorf("slot %d outside the %d-row cache", s, cache.Rows)
		}
		if err := l.storeRow(cb, cache.Type, int(s), rb, xs[i*src.Cols:(i+1)*src.Cols]); err != nil {
			return err
		}
	}
	return nil
}

// Attention runs causal attention for each (token, head) pair: scores over
// the token's sequence so far, softmax, weighted sum of values.
func (d *Device) Attention(out, q, kc, vc *backend.Tensor, a *backend.Attn, b *backend.Batch) error {
	r, perHead, err := d.attnSetup(out, q, kc, vc, a, b)
	if err != nil {
		return err
	}
	n, nh := q.Rows, a.Heads
	if n >= 2 && r.a.grouped() { // key-value head by key-value head
		r.cutUnits()
		if d.parallelWorth(n*nh, max(1, minAttentionWork/perHead)) && len(r.units) >= 2 {
			r.next.Store(0)
			d.pool.run(r.claimU)
		} else {
			for _, u := range r.units {
				r.unit(0, u)
			}
		}
	} else if w, minChunk := n*nh, max(1, minAttentionWork/perHead); d.parallelWorth(w, minChunk) {
		r.total, r.chunk = w, max(minChunk, w/(d.threads*chunksPerShare))
		if g := r.a.group; r.chunk%g != 0 && r.a.grouped() { // whole groups a chunk (heads)
			r.chunk = (r.chunk + g - 1) / g * g
		}
		r.next.Store(0)
		d.pool.run(r.claim)
	} else {
		r.heads(0, 0, w)
	}
	err = nil
	if e := r.err.Swap(nil); e != nil {
		err = fmt.Errorf("cpu: attention: %w", *e)
	}
	r.a = attnArgs{} // drop the operands
	return err
}

// attnSetup checks Attention's operands and sets up d.attn to run it: it
// returns the run and the multiply-adds of one (token, head).
func (d *Device) attnSetup(out, q, kc, vc *backend.Tensor, a *backend.Attn, b *backend.Batch) (*attnRun, int, error) {
	os, err := d.f32(out)
	if err != nil {
		return nil, 0, err
	}
	qs, err := d.f32(q)
	if err != nil {
		return nil, 0, err
	}
	kb, err := d.bytes(kc)
	if err != nil {
		return nil, 0, err
	}
	vb, err := d.bytes(vc)
	if err != nil {
		return nil, 0, err
	}
	hd, nh, nkv := a.HeadDim, a.Heads, a.KVHeads
	n := q.Rows
	if nkv <= 0 || nh%nkv != 0 || q.Cols != nh*hd || out.Rows != n || out.Cols != nh*hd ||
		kc.Cols != nkv*hd || vc.Cols != nkv*hd || kc.Rows != vc.Rows || kc.Type != vc.Type {
		return nil, 0, fmt.Errorf("cpu: attention %v over q %v, k %v, v %v with %+v", out, q, kc, vc, *a)
	}
	if len(b.Pos) != n || len(b.Seq) != n || b.BlockSize <= 0 {
		return nil, 0, fmt.Errorf("cpu: attention: batch of %d positions for %d rows", len(b.Pos), n)
	}
	for i := range n {
		s, p := int(b.Seq[i]), int(b.Pos[i])
		if s < 0 || s >= len(b.Tables) || p < 0 || (p+b.BlockSize)/b.BlockSize > len(b.Tables[s]) {
			return nil, 0, fmt.Errorf("cpu: attention: token %d (sequence %d, position %d) outside its block table", i, s, p)
		}
		for _, blk := range b.Tables[s][:p/b.BlockSize+1] {
			if blk < 0 || (int(blk)+1)*b.BlockSize > kc.Rows {
				return nil, 0, fmt.Errorf("cpu: attention: block %d outside the %d-row cache", blk, kc.Rows)
			}
		}
	}
	// ggml multiplies softmax·V over the cache padded to kvPad positions
	// (masked ones weigh 0): with tinyBLAS for two or more tokens, with
	// ggml_vec_dot_f32 (whose vector steps then cover every position) for one.
	// softmax·V accumulators, one row per lane: 16 (tinyBLAS) or 64
	// (vec_dot's four accumulators of 16) rows of hd
	rows := vecStep
	if n >= 2 {
		rows = tileStep
	}
	maxPos, room := 0, 0
	for _, p := range b.Pos {
		maxPos = max(maxPos, int(p))
	}
	for _, t := range b.Tables {
		room = max(room, len(t)*b.BlockSize)
	}
	// An F16 cache's head rows are widened a cache block at a time
	// (groups), into a block of (positions, hd) for each of key and value.
	widened := 0
	if kc.Type == quant.F16 {
		widened = b.BlockSize * hd
	}
	if n >= 2 { // a multi-token unit's gathered rows (attnmulti.go)
		widened = chunkOf(b.BlockSize) * hd
	}
	kv := d.layoutOf(kc)
	if d.layoutOf(vc) != kv {
		return nil, 0, fmt.Errorf("cpu: attention: key and value caches laid out apart")
	}
	if err := kv.check(hd, b.BlockSize); err != nil {
		return nil, 0, fmt.Errorf("cpu: attention: %w", err)
	}
	tokens := 1 // a multi-token unit's (attnmulti.go)
	if n >= 2 && (kc.Type == quant.F32 || kc.Type == quant.F16) {
		tokens = unitTokens(n, nh/nkv, max(maxPos+1, room), nkv, d.threads)
	}
	bufs := d.scratch.attention(d.threads, maxPos+1, room, kc.Cols, rows*hd, widened, tokens*nh/nkv)
	r := &d.attn
	r.a = attnArgs{os: os, qs: qs, kb: kb, vb: vb, rb: kc.RowBytes(), hd: hd, nh: nh, nkv: nkv, group: nh / nkv,
		rows: rows, qCols: q.Cols, oCols: out.Cols, kCols: kc.Cols, vCols: vc.Cols, typ: kc.Type,
		scale: a.Scale, b: b, bufs: bufs, kv: kv, tokens: tokens}
	if kc.Type == quant.F32 {
		r.a.kf, r.a.vf = unsafeF32(kb), unsafeF32(vb)
	}
	if r.claim == nil { // bound once: a decode step allocates nothing
		r.claim, r.claimU = r.claimChunks, r.claimUnits
	}
	return r, 2 * (maxPos + 1) * hd, nil
}

// attnRun is the running Attention's operands and its (token, head)
// pairs' counter, kept in the device (Device.attn) so that its share of
// the work, claimChunks, is a method value bound once.
type attnRun struct {
	a            attnArgs
	err          atomic.Pointer[error] // a share's error
	total, chunk int                   // (token, head) pairs, and the pairs of a chunk
	claim        func(share, n int)    // claimChunks, bound once
	units        []attnUnit            // a multi-token Attention's (cutUnits)
	claimU       func(share, n int)    // claimUnits, bound once
	_            [cacheLine]byte
	next         atomic.Int64 // chunks claimed
	_            [cacheLine - 8]byte
}

// attnArgs are an Attention call's operands.
type attnArgs struct {
	os, qs, kf, vf []float32 // kf, vf: an F32 cache's
	kb, vb         []byte
	rb, hd         int // cache row bytes, head size
	nh, nkv, group int // query heads, key-value heads, query heads per key-value head
	rows           int // lanes of the softmax·V accumulators
	qCols, oCols   int
	kCols, vCols   int
	typ            quant.Type // the cache's
	kv             kvLayout   // the caches' layout
	scale          float32
	b              *backend.Batch
	bufs           []attnBuf
	tokens         int // the most tokens of a multi-token unit (attnUnit)
}

// claimChunks is a participant's share of a parallel Attention: chunks of
// (token, head) pairs claimed from r.next until none is left.
func (r *attnRun) claimChunks(share, _ int) {
	for {
		lo := int(r.next.Add(1)-1) * r.chunk
		if lo >= r.total {
			return
		}
		r.heads(share, lo, min(lo+r.chunk, r.total))
	}
}

// grouped reports whether the cache's type is one groups takes: F32 or
// F16.
func (r *attnArgs) grouped() bool { return r.typ == quant.F32 || r.typ == quant.F16 }

// heads runs attention for (token, head) pairs [lo, hi) (pair w is token
// w/nh, head w%nh) with share's buffers: an F32 or F16 cache's whole
// groups of query heads together (groups), other caches' pairs one by one
// from their dequantized rows.
func (run *attnRun) heads(share, lo, hi int) {
	r := &run.a
	if r.grouped() {
		lo = run.groups(share, lo, hi)
	}
	buf := &r.bufs[share]
	kr, vr, acc := buf.k, buf.v, buf.acc[:r.rows*r.hd]
	b, hd, nh, rows := r.b, r.hd, r.nh, r.rows
	for w := lo; w < hi; w++ {
		i, h := w/nh, w%nh
		s, p := int(b.Seq[i]), int(b.Pos[i])
		kvh := h / r.group
		qh := r.qs[i*r.qCols+h*hd : i*r.qCols+(h+1)*hd]
		scores := buf.scores[:0]
		mx := float32(math.Inf(-1))
		for t := 0; t <= p; t++ {
			kh, err := r.cacheHead(kr, r.kb, b.Row(s, t), kvh)
			if err != nil {
				run.err.Store(&err)
				return
			}
			sc := vecDotF32(kh, qh) * r.scale
			scores = append(scores, sc)
			mx = max(mx, sc)
		}
		softmax(scores, mx)
		used := min(p+1, rows) // rows from used on are zero (cleared after each use)
		for t := 0; t <= p; t++ {
			vh, err := r.cacheHead(vr, r.vb, b.Row(s, t), kvh)
			if err != nil {
				run.err.Store(&err)
				clear(acc)
				return
			}
			l := t % rows
			axpy(acc[l*hd:(l+1)*hd], vh, scores[t])
		}
		foldClear(r.os[i*r.oCols+h*hd:i*r.oCols+(h+1)*hd], acc, hd, rows, used)
	}
}

// groups runs attention over an F32 or F16 cache for the whole groups of
// query heads (those sharing a key-value head) among pairs [lo, hi), and
// returns where the pairs it left begin. A group's heads take each cache
// block in turn, its rows read from memory once for all of them (an F16
// cache's widened then, exactly) and then from the L1 cache: with 4096
// positions a head's F32 keys and values are 2 MiB, more than a core's L2.
// Each head's sums are those of ggml's one-head order (vec_dot_f32 a
// score, its lanes for softmax·V), row by row.
func (run *attnRun) groups(share, lo, hi int) int {
	r := &run.a
	g, b, hd, nh, rows := r.group, r.b, r.hd, r.nh, r.rows
	if lo%g != 0 {
		return lo
	}
	buf := &r.bufs[share]
	lanes := rows * hd
	acc := func(j int) []float32 { return buf.acc[j*lanes:][:lanes] }
	for ; lo+g <= hi; lo += g {
		i, h0 := lo/nh, lo%nh
		s, p := int(b.Seq[i]), int(b.Pos[i])
		kvh := h0 / g
		q := r.qs[i*r.qCols+h0*hd:]
		ahead := (p+1)*hd*r.rb/r.kCols >= kvAheadBytes
		for t0 := 0; t0 <= p; t0 += b.BlockSize {
			cnt := min(b.BlockSize, p+1-t0)
			if ahead {
				r.prefetchBlock(r.kb, s, p, t0+b.BlockSize, kvh)
			}
			k, stride := r.block(r.kf, r.kb, buf.kw, s, t0, cnt, kvh)
			for j := range g {
				kqScores(buf.scores[j*buf.span+t0:][:cnt], k, stride, q[j*hd:(j+1)*hd], r.scale)
			}
		}
		for j := range g {
			sc := buf.scores[j*buf.span:][:p+1]
			softmax(sc, maxF32(sc))
		}
		if r.svShortOK(p) {
			r.svShortGroup(buf, i, h0, s, p, kvh)
			continue
		}
		// Position t adds into accumulator row t mod rows, so the blocks
		// whose positions share rows go together (laneBlocks): their
		// rows stay in L1, each sum's order unchanged. Past the first
		// laneChunk positions, a long cache's values are added lane by
		// lane (addLanes), their first chunk asked for meanwhile.
		end := p // the last position added block by block
		byLane := ahead && p+1 >= r.lanesFrom() && r.byLanes()
		if byLane {
			end = laneChunk - 1
		}
		asked := 0 // 64ths of the second chunk asked for
		step, starts := laneBlocks(rows, b.BlockSize, 4*g*lanes)
		for first := range starts {
			for t0 := first * b.BlockSize; t0 <= end; t0 += step {
				cnt := min(b.BlockSize, end+1-t0)
				if ahead {
					next := t0 + step
					if next > end {
						next = (first + 1) * b.BlockSize
					}
					r.prefetchBlock(r.vb, s, end, next, kvh)
				}
				if byLane && asked < 64 {
					r.prefetchLanes(s, p, laneChunk, asked, kvh)
					asked++
				}
				v, stride := r.block(r.vf, r.vb, buf.vw, s, t0, cnt, kvh)
				for j := range g {
					axpyRows(acc(j), hd, rows-1, t0, v, stride, buf.scores[j*buf.span+t0:][:cnt])
				}
			}
		}
		if byLane {
			r.addLanes(buf, s, p, laneChunk, kvh)
		}
		used := min(p+1, rows) // rows from used on are zero (cleared after each use)
		for j := range g {
			o := r.os[i*r.oCols+(h0+j)*hd:][:hd]
			foldClear(o, acc(j), hd, rows, used)
		}
	}
	return lo
}

// block returns the head kvh slices of the cnt rows of the cache block at
// position t0 of sequence s, and the floats between two of them: in place
// in an F32 cache (f), widened into w from an F16 one (c).
func (r *attnArgs) block(f []float32, c []byte, w []float32, s, t0, cnt, kvh int) ([]float32, int) {
	hd := r.hd
	if r.typ == quant.F32 {
		off, stride := r.kv.head(r.b.Row(s, t0), kvh, hd, r.rb, 4)
		return f[off/4:], stride / 4
	}
	off, stride := r.kv.head(r.b.Row(s, t0), kvh, hd, r.rb, 2)
	f16Rows(w[:cnt*hd], c[off:off+(cnt-1)*stride+2*hd], cnt, hd, stride)
	return w, hd
}

// prefetchBlock asks for the head kvh slices of the rows of the cache
// block at position n of sequence s (positions up to p; none past p) in
// the cache c.
func (r *attnArgs) prefetchBlock(c []byte, s, p, n, kvh int) {
	if n <= p {
		r.prefetchHeads(c, s, n, min(r.b.BlockSize, p+1-n), kvh)
	}
}

// prefetchHeads asks for head kvh's slices of the cnt slots (of one cache
// block) of positions from t of sequence s in the cache c.
func (r *attnArgs) prefetchHeads(c []byte, s, t, cnt, kvh int) {
	es := r.rb / r.kCols // bytes an element
	off, stride := r.kv.head(r.b.Row(s, t), kvh, r.hd, r.rb, es)
	prefetchRows(c[off:], cnt, stride, es*r.hd)
}

// cacheHead returns head kvh of slot row of the cache c as float32,
// widened or dequantized into scratch where the cache is not F32.
func (r *attnArgs) cacheHead(scratch []float32, c []byte, row, kvh int) ([]float32, error) {
	if r.kv.bs == 0 {
		return cacheHead(scratch, c[row*r.rb:(row+1)*r.rb], r.typ, kvh, r.hd)
	}
	es := r.rb / r.kCols // F32 or F16: AllocCache lays out no other type by head
	off, _ := r.kv.head(row, kvh, r.hd, r.rb, es)
	return cacheHead(scratch, c[off:off+es*r.hd], r.typ, 0, r.hd)
}

// laneBlocks is the order in which groups adds the cache blocks (of block
// positions) into softmax·V's accumulators of rows rows: the blocks from
// position first·block on, step positions apart, for each first below
// starts. One token's accumulators are 64 rows (vec_dot_f32's 64 lanes)
// of a head's width for each head of the group: 64 KiB for four heads of
// 64 floats, twice a Zen 4 core's L1. Taken block after block, each
// position's row came from L2; blocks of 16 positions taken 64 positions
// apart use a quarter of the rows until the last of them.
// BenchmarkAttention, 4096 positions on 2 threads (the cache in L3), old
// and new interleaved: F32 648-737 → 618-663 µs, F16 611-633 → 569-624
// (bench/cpu-25-26.md, session 26). Accumulators of accBytes in all that fit
// in half of L1 (stories260K's heads of 8: 4 KiB) keep the plain order,
// whose loop is shorter.
func laneBlocks(rows, block, accBytes int) (step, starts int) {
	if block <= 0 || rows <= block || rows%block != 0 || accBytes <= laneBlocksMin {
		return block, 1
	}
	return rows, rows / block
}

// laneBlocksMin is the most bytes of a group's softmax·V accumulators
// that groups takes block after block: half a Zen 4 core's 32 KiB L1.
const laneBlocksMin = 16 << 10

// kvAheadBytes is the fewest bytes of a head's keys (and of its values)
// for which groups asks for the next block's rows ahead: 128 KiB, from
// 512 positions of 64 floats on. Below, they are in the L2 cache after
// the first token, and the requests would only cost their calls (a
// twentieth of stories260K's 53 µs decode step).
const kvAheadBytes = 128 << 10

// prefetchRows asks for the first n bytes of rows rows of c, stride bytes
// apart, to be brought into the L2 cache: a cache block's head slices,
// rows 2 KiB apart in a Llama-3.2-1B F32 cache, two a 4 KiB page, which
// the hardware prefetchers, confined to a page, would not ask for ahead.
func prefetchRows(c []byte, rows, stride, n int) {
	_ = c[(rows-1)*stride+n-1]
	p := uintptr(unsafe.Pointer(&c[0]))
	for range rows {
		prefetchL2(p, n)
		p += uintptr(stride)
	}
}

// minAttentionWork is the fewest multiply-adds of attention worth handing
// to another worker: a head also costs its softmax and lane folds, and a
// worker spinning between a step's ops joins within a microsecond, so a
// one-token step splits its 32 heads from about 16 positions on (its
// attention is then half as long on 2 threads) where minParallelWork kept
// it on one thread below 256.
const minAttentionWork = 1 << 13

// softmax replaces scores (whose maximum is mx) by their softmax as ggml's
// soft_max does on AVX-512: exponentials by ggml_v_expf, summed in vectors of
// 16 (the padded cache's masked positions are zeros) into a float64, then
// scaled by the float32 reciprocal.
func softmax(scores []float32, mx float32) {
	scaleF32(scores, float32(1/softmaxExp(scores, mx)))
}

// cacheHead returns head kvh of one cache row as float32, dequantizing into
// scratch when the cache is not F32.
func cacheHead(scratch []float32, row []byte, t quant.Type, kvh, hd int) ([]float32, error) {
	switch t {
	case quant.F32:
		all := unsafeF32(row)
		return all[kvh*hd : (kvh+1)*hd], nil
	case quant.F16: // only the head's halves, widened exactly
		f16s(scratch[:hd], row[2*kvh*hd:2*(kvh+1)*hd])
		return scratch[:hd], nil
	}
	if err := quant.Dequantize(t, scratch, row); err != nil {
		return nil, err
	}
	return scratch[kvh*hd : (kvh+1)*hd], nil
}

// addRows sets a[i] += b[i].
func addRows(a, b []float32) { addF32(a, a, b) }

// addF32Generic sets dst[i] = a[i] + b[i].
func addF32Generic(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// foldLanes sets o (hd long) to the sum of the rows lanes of acc (rows of
// hd) in the order ggml adds its lanes: for 64 rows (ggml_vec_dot_f32's four
// accumulators of 16) rows r += r+32, then r += r+16 (GGML_F32x16_REDUCE's
// folds 0+2, 1+3, 0+1), then the 16 lanes of a vector as reduce16 adds
// them: r += r+8, r += r+4, r += r+2, o = row 0 + row 1. Rows from used on
// are zero, and their additions are left out (a one-token step early in a
// sequence uses a few rows of 64): that changes no sum but, possibly, a
// zero's sign (-0 + 0 is +0), and the whole tree's sum is -0 only when
// every term is, so with rows left out a zero of o is made +0.
func foldLanes(o, acc []float32, hd, rows, used int) {
	live := used // rows [0, live) hold terms
	for w := rows / 2; w >= 2; w /= 2 {
		if live > w {
			addRows(acc[:(live-w)*hd], acc[w*hd:live*hd])
			live = w
		}
	}
	if live == 2 {
		addF32(o[:hd], acc[:hd], acc[hd:2*hd])
	} else {
		copy(o[:hd], acc[:hd])
	}
	if used < rows {
		plusZero(o[:hd])
	}
}

// foldClear is foldLanes followed by clearing the used rows of acc, so
// that every row of acc is zero again for the next (token, head).
func foldClear(o, acc []float32, hd, rows, used int) {
	if foldClearFast(o, acc, hd, rows, used) {
		return
	}
	foldLanes(o, acc, hd, rows, used)
	clear(acc[:used*hd])
}

// foldFastRows is the lane rows foldClearFast's shortest fold takes: a
// one-token step early in a sequence, where the lane folds were a fifth of
// attention's time (session 18). Its longer folds take 32 and all 64
// rows, and run from the 17th position on (session 20).
const foldFastRows = 16

// plusZero adds +0 to every element of o in vectors: -0 becomes +0, and
// every other value stays (a scalar loop that tested each element for
// zero was an eighth of a one-token attention's time).
func plusZero(o []float32) {
	for len(o) > 0 {
		n := min(len(o), len(zeros))
		addF32(o[:n], o[:n], zeros[:n])
		o = o[n:]
	}
}

// zeros is a row of +0s for plusZero.
var zeros [256]float32
