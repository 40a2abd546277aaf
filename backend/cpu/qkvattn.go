package cpu

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// MatMulAttention makes a step's q, k and v projections of x, rotates q
// and k, stores k and v in the caches and runs attention into out
// (backend.ProductAttender): what MatMulShared([q k v], x, [wq wk wv]),
// RoPE(q), RoPE(k), StoreKV and Attention compute, bit for bit.
//
// For one token whose three products have two-run kernels of one kind
// and an F32 or F16 cache, it is one parallel op cut by key-value head: a
// piece makes the q rows of the head's group of query heads (its two
// halves side by side, kernel.rowsTwo) and the head's k and v rows (side
// by side), rotates them, stores k and v, and runs the group's attention,
// all on the core that made them. Apart, the caller rotated and stored
// alone between two ops and read back the half of q, k and v the other
// cores had made; then attention's participants read back the rotated q,
// and the caller the half of the output they had made. Each piece first
// asks for its head's cached keys and values, which the product's time
// then brings into the cache; attention's own requests (groups) take over
// past kvAheadBytes. Other steps run the ops one by one.
func (d *Device) MatMulAttention(out, q, k, v, x, wq, wk, wv, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	qa := &d.qkvAttn
	qa.dsts, qa.ws = [3]*backend.Tensor{q, k, v}, [3]*backend.Tensor{wq, wk, wv}
	defer qa.drop()
	if !d.headPieces(x, kc, vc, a) {
		return d.qkvAttnApart(out, q, k, v, x, kc, vc, a, r, b)
	}
	n, kk, xq, xb, ok, err := d.setupShared(qa.dsts[:], x, qa.ws[:])
	if err != nil {
		return err
	}
	if !ok { // made one by one
		return d.ropeStoreAttend(out, q, k, v, kc, vc, a, r, b)
	}
	if !pairable(&d.shared, a) {
		d.sharedRows(qa.ws[:], n, kk, xq, xb)
		d.shared.clearOps()
		return d.ropeStoreAttend(out, q, k, v, kc, vc, a, r, b)
	}
	defer d.shared.clearOps()
	qs, hd, factors, err := d.ropeOperands(q, a.Heads, r, b)
	if err != nil {
		return err
	}
	if _, _, _, err := d.ropeOperands(k, a.KVHeads, r, b); err != nil {
		return err
	}
	if len(b.Slots) != 1 || b.Slots[0] < 0 || int(b.Slots[0]) >= kc.Rows || kc.Cols != k.Cols || vc.Cols != v.Cols || v.Cols != k.Cols {
		return fmt.Errorf("cpu: q·k·v+attention: %v, %v into caches %v, %v at slots %v", k, v, kc, vc, b.Slots)
	}
	run, _, err := d.attnSetup(out, q, kc, vc, a, b)
	if err != nil {
		return err
	}
	defer func() { run.a = attnArgs{} }()
	s := &d.shared
	cs, ss := d.rope.table(b.Pos[0], r, factors)
	qa.qkv = qkvArgs{
		q: qs, k: s.outs[1], v: s.outs[2], rb: qa.ws[0].RowBytes(), krb: qa.ws[1].RowBytes(),
		kern: &s.kerns[0], kvKern: &s.kerns[1], kvMem: s.kerns[2].mem,
		hd: hd, group: a.Heads / a.KVHeads, heads: a.KVHeads,
		rope: r, cs: cs, ss: ss,
		kc: run.a.kb, vc: run.a.vb, crb: kc.RowBytes(), ctype: kc.Type, slot: int(b.Slots[0]),
		run: run,
	}
	if d.threads == 1 {
		for h := range a.KVHeads {
			qa.qkv.piece(0, h)
		}
	} else {
		qa.reserve = 0
		if d.ahead != nil && !d.streamed(wq) {
			qa.reserve = min(d.threads-1, a.KVHeads, len(qa.taken))
			d.planHeads(qa)
		}
		for i := range qa.reserve {
			qa.taken[i].Store(false)
		}
		qa.next.Store(int64(qa.reserve))
		if qa.claim == nil {
			qa.claim = qa.claimHeads // bound once: a step allocates nothing
		}
		d.pool.run(qa.claim)
	}
	qa.qkv = qkvArgs{}
	if e := run.err.Swap(nil); e != nil {
		return fmt.Errorf("cpu: attention: %w", *e)
	}
	return nil
}

// headPieces reports whether MatMulAttention can cut x's products by
// key-value head: one token, weights that share an op, a cache that
// attention takes in groups, whole groups of query heads per key-value
// head. The kernels are checked once made (pairable).
//
// Q4_K weights keep the ops apart: cut by head, the 1.1B Q4_K decode ran
// ×0.986-0.990 as fast at the development host's far minutes (in-process
// A/B, four runs; ×0.997-0.999 at the near ones), where the other formats
// measured gained (bench/cpu.md, session 27). Not because of how a piece
// pairs its runs: reading q's halves, or k and v, one run at a time lost
// as much (×0.993-0.997 at the near minutes); why it loses was not found.
func (d *Device) headPieces(x, kc, vc *backend.Tensor, a *backend.Attn) bool {
	qa := &d.qkvAttn
	return x.Rows == 1 && a.KVHeads > 0 && a.Heads%a.KVHeads == 0 && kc.Type == vc.Type &&
		(kc.Type == quant.F32 || kc.Type == quant.F16) && qa.ws[0].Type != quant.Q4_K &&
		qa.ws[0].Type == qa.ws[1].Type && qa.ws[1].Type == qa.ws[2].Type && qa.ws[1].Rows == qa.ws[2].Rows &&
		d.shareable(x, qa.ws[:])
}

// qkvAttnApart is MatMulAttention as the ops it stands for, one by one.
func (d *Device) qkvAttnApart(out, q, k, v, x, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	qa := &d.qkvAttn
	if err := d.MatMulShared(qa.dsts[:], x, qa.ws[:]); err != nil {
		return err
	}
	return d.ropeStoreAttend(out, q, k, v, kc, vc, a, r, b)
}

// ropeStoreAttend rotates q and k, stores k and v and runs attention, op
// by op.
func (d *Device) ropeStoreAttend(out, q, k, v, kc, vc *backend.Tensor, a *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	if err := d.RoPE(q, a.Heads, r, b); err != nil {
		return err
	}
	if err := d.RoPE(k, a.KVHeads, r, b); err != nil {
		return err
	}
	if err := d.StoreKV(kc, vc, k, v, b); err != nil {
		return err
	}
	return d.Attention(out, q, kc, vc, a, b)
}

// qkvAttn is MatMulAttention's working memory, kept in the device.
type qkvAttn struct {
	dsts, ws [3]*backend.Tensor // [q k v] and [wq wk wv], as MatMulShared takes them
	qkv      qkvArgs
	claim    func(share, n int) // claimHeads, bound once
	// reserve is how many of the first heads are reserved, head i for
	// worker i+1 (read ahead, as sharedRows reserves pieces); taken[i] is
	// set by the participant that makes it.
	reserve int
	taken   [maxAheadWorkers]atomic.Bool
	_       [cacheLine]byte
	next    atomic.Int64 // heads claimed
	_       [cacheLine - 8]byte
}

// maxAheadWorkers is the most workers MatMulAttention reserves a head for;
// more workers claim their first head with the others.
const maxAheadWorkers = 64

// drop forgets the operands of the last call.
func (qa *qkvAttn) drop() {
	qa.dsts, qa.ws = [3]*backend.Tensor{}, [3]*backend.Tensor{}
	qa.qkv = qkvArgs{}
}

// pairable reports whether the kernels setupShared made in s take the
// pieces MatMulAttention cuts: two-run kernels of one alignment whose q
// runs (half a group's rows) and k, v runs (a head's rows) are whole
// alignments.
func pairable(s *sharedScratch, a *backend.Attn) bool {
	hd := a.HeadDim
	if len(s.kerns) != 3 || hd <= 0 {
		return false
	}
	al := s.kerns[0].align
	for i := range s.kerns {
		kern := &s.kerns[i]
		if kern.rowsTwo == nil || kern.mem == nil || kern.align != al {
			return false
		}
	}
	g := a.Heads / a.KVHeads
	return g*hd%2 == 0 && (g*hd/2)%al == 0 && hd%al == 0
}

// planHeads records the weights the workers' reserved heads read first
// (each head's q rows and its k rows) and hands each worker its piece of
// the product that followed this one the last time (aheadPlans).
func (d *Device) planHeads(qa *qkvAttn) {
	a := &qa.qkv
	p := d.ahead.plan(unsafe.SliceData(a.kern.mem))
	kb := a.krb
	for i := 1; i < d.threads; i++ {
		var runs [2][]byte
		if h := i - 1; h < qa.reserve {
			lo := h * a.group * a.hd
			runs[0] = a.kern.mem[lo*a.rb : (lo+a.group*a.hd)*a.rb]
			runs[1] = a.kvKern.mem[h*a.hd*kb : (h+1)*a.hd*kb]
		}
		p.set(i, 0, runs[0])
		p.set(i, 1, runs[1])
	}
	d.ahead.begin(p, d.pool.gen.Load()+1)
}

// claimHeads is a participant's share of a one-token MatMulAttention:
// worker i first makes the head reserved for it, then every participant
// claims heads from qa.next, then makes the reserved heads of workers that
// have not come.
func (qa *qkvAttn) claimHeads(share, _ int) {
	a := &qa.qkv
	if share >= 1 && share <= qa.reserve {
		qa.take(share, share-1)
	}
	for {
		h := int(qa.next.Add(1) - 1)
		if h >= a.heads {
			break
		}
		a.piece(share, h)
	}
	for h := range qa.reserve {
		qa.take(share, h)
	}
}

// take makes reserved head h unless a participant has taken it.
func (qa *qkvAttn) take(share, h int) {
	if qa.taken[h].CompareAndSwap(false, true) {
		qa.qkv.piece(share, h)
	}
}

// qkvArgs are a one-token MatMulAttention's operands.
type qkvArgs struct {
	q, k, v      []float32 // the products' outputs
	rb, krb      int       // bytes of a row of wq, and of wk and wv
	kern, kvKern *kernel   // wq's kernel; wk's, which also makes wv's rows
	kvMem        []byte    // wv's weights, as its kernel reads them
	hd, group    int       // head size, query heads a key-value head
	heads        int       // key-value heads: the pieces
	rope         *backend.RoPE
	cs, ss       []float32 // the position's rotation table
	kc, vc       []byte    // the caches
	crb          int       // bytes of a cache row
	ctype        quant.Type
	slot         int // the cache row of the token
	run          *attnRun
}

// piece makes key-value head h's share of the step on participant share:
// asks for the head's cached keys and values, makes its group's q rows and
// its k and v rows, rotates them, stores k and v, and runs the group's
// attention.
func (a *qkvArgs) piece(share, h int) {
	r := &a.run.a
	hd, g := a.hd, a.group
	if p := int(r.b.Pos[0]); p*hd*r.rb/r.kCols <= qkvAheadBytes {
		for t0 := 0; t0 < p; t0 += r.b.BlockSize {
			r.prefetchBlock(r.kb, int(r.b.Seq[0]), p-1, t0, h)
			r.prefetchBlock(r.vb, int(r.b.Seq[0]), p-1, t0, h)
		}
	}
	lo, half := h*g*hd, g*hd/2
	a.kern.rowsTwo(a.q[lo:lo+half], a.q[lo+half:lo+2*half], a.kern.mem[lo*a.rb:], a.kern.mem[(lo+half)*a.rb:])
	kb := a.krb
	kr, vr := a.k[h*hd:(h+1)*hd], a.v[h*hd:(h+1)*hd]
	a.kvKern.rowsTwo(kr, vr, a.kvKern.mem[h*hd*kb:], a.kvMem[h*hd*kb:])
	rotateHeads(a.q[lo:lo+g*hd], g, hd, a.rope, a.cs, a.ss)
	rotateHeads(kr, 1, hd, a.rope, a.cs, a.ss)
	es := a.crb / len(a.k) // bytes of a cached element
	off, _ := r.kv.head(a.slot, h, hd, a.crb, es)
	for _, c := range [2]struct {
		cache []byte
		src   []float32
	}{{a.kc, kr}, {a.vc, vr}} {
		if err := storeRun(c.cache[off:off+hd*es], a.ctype, c.src); err != nil {
			a.fail(err)
			return
		}
	}
	a.run.heads(share, h*g, (h+1)*g)
}

// qkvAheadBytes is the most bytes of a head's cached keys (and of its
// values) a MatMulAttention piece asks for before its products: 32 KiB,
// 128 positions of 64 floats. Past it, attention's own requests
// (kvAheadBytes) take the longer caches.
const qkvAheadBytes = 32 << 10

// fail records a piece's error for MatMulAttention to return.
func (a *qkvArgs) fail(err error) { a.run.err.Store(&err) }
