package cuda

import (
	"fmt"
	"slices"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// batchCache keeps the device copy of the last batch staged, so the ops of
// one step (RoPE, StoreKV and Attention of every layer) upload it once.
// It is reused only while its host copy equals the batch being asked for
// and the staging ring has not wrapped since.
type batchCache struct {
	flat  []int32
	next  []int32 // stageBatch's buffer for the batch asked for
	epoch int
	ptr   devBatch
	valid bool
}

// devBatch points into a staged batch: pos[n], seq[n], slots[n],
// tstart[len(Tables)+1], tables (the layout attention.cu reads as meta).
type devBatch struct {
	pos, seq, slots uint64
	n, nseq         int
}

// enterBatch takes the context (enter) and stages b (stageBatch): the
// start of every op that reads a batch's positions, slots or tables. The
// caller calls unlock when it is done.
func (d *Device) enterBatch(b *backend.Batch) (bp devBatch, unlock func(), err error) {
	if unlock, err = d.enter(); err != nil {
		return bp, nil, err
	}
	if bp, err = d.stageBatch(b); err != nil {
		unlock()
		return bp, nil, err
	}
	return bp, unlock, nil
}

// stageBatch returns the device copy of b. The caller holds the context.
// The tables are padded to backend.TableCap entries, so that the staged
// batch of a step keeps its size (and a recorded step its staging) while
// the tables grow within that capacity.
func (d *Device) stageBatch(b *backend.Batch) (devBatch, error) {
	c := &d.batch
	// the layout is built into a buffer of the cache's own, so that the
	// step's RoPE and attention ops, which stage the same batch once a
	// layer each, allocate nothing to find it staged already
	c.next = appendBatch(c.next[:0], b)
	if c.valid && c.epoch == d.stage.epoch && slices.Equal(c.flat, c.next) {
		return c.ptr, nil
	}
	p, err := d.put(c.next)
	if err != nil {
		c.valid = false
		return devBatch{}, err
	}
	c.flat, c.next = c.next, c.flat
	c.epoch, c.valid = d.stage.epoch, true
	n := len(b.Pos)
	c.ptr = devBatch{pos: p, seq: p + uint64(4*n), slots: p + uint64(8*n), n: n, nseq: len(b.Tables)}
	return c.ptr, nil
}

// appendBatch appends the staged form of b (devBatch) to dst: pos, seq
// and slots (zeros where absent: the ops that need them check them), the
// tables' starts, the tables, and zeros up to their staged capacity
// (backend.TableCap).
func appendBatch(dst []int32, b *backend.Batch) []int32 {
	n := len(b.Pos)
	total := 0
	for _, t := range b.Tables {
		total += len(t)
	}
	dst = slices.Grow(dst, 3*n+len(b.Tables)+1+backend.TableCap(total))
	dst = append(dst, b.Pos...)
	for _, s := range [2][]int32{b.Seq, b.Slots} {
		if len(s) == n {
			dst = append(dst, s...)
		} else {
			dst = appendZeros(dst, n)
		}
	}
	start := int32(0)
	for _, t := range b.Tables {
		dst = append(dst, start)
		start += int32(len(t))
	}
	dst = append(dst, start)
	for _, t := range b.Tables {
		dst = append(dst, t...)
	}
	return appendZeros(dst, backend.TableCap(total)-total)
}

// appendZeros appends n zeros to dst.
func appendZeros(dst []int32, n int) []int32 {
	for range n {
		dst = append(dst, 0)
	}
	return dst
}

// Attention runs causal attention for each (token, head) pair over the
// token's sequence so far.
func (d *Device) Attention(out, q, kc, vc *backend.Tensor, a *backend.Attn, b *backend.Batch) error {
	c, err := d.attPrep(out, q, kc, vc, a, b)
	if err != nil || c.n == 0 {
		return err
	}
	bp, unlock, err := d.enterBatch(b)
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(out)
	params := []uint64{c.op, c.qp, c.kp, c.vp, bp.pos, i32(c.n), i32(bp.nseq), i32(c.nh), i32(c.nkv), i32(c.hd), i32(b.BlockSize), f32(a.Scale)}
	block := c.block
	if splits := d.attSplits(c, b); splits > 1 {
		part, err := d.attParts.get(d, 4*c.n*c.nh*splits*(c.hd+2))
		if err != nil {
			return err
		}
		if err := d.launch(c.kernel+"_split", dims{c.grid.x, c.grid.y, uint32(splits)}, block, 0, append(params, part)...); err != nil {
			return err
		}
		return d.launch("attention_merge", dims{uint32(c.n), uint32(c.nh), 1}, dims{32, 1, 1}, 0, c.op, part, i32(c.nh), i32(c.hd), i32(splits))
	}
	conv, ca, cb, ok := "", uint64(0), uint64(0), false
	if !c.grouped && attFuse && attConverts(d.hintFor(c.n), c.hd) {
		if conv, ca, cb, ok, err = d.fuseConv(c.n, c.nh*c.hd); err != nil {
			return err
		}
	}
	if !ok {
		return d.launch(c.kernel, c.grid, block, 0, params...)
	}
	if err := d.launch(c.kernel+"_"+conv, c.grid, block, 0, append(params, ca, cb)...); err != nil {
		return err
	}
	d.converted(conv, c.op, c.n, c.nh*c.hd, ca, cb)
	return nil
}

// attCall is an Attention call checked against its tensors and batch: the
// kernel (attention_<cache>_<EPL>, _g<G> for the grouped ones), its grid,
// and the tensors' device addresses.
type attCall struct {
	kernel         string
	grid, block    dims
	grouped        bool // one block per KV head (no conversion of the output)
	tiled          bool // attention_tile_*: a block per tile of tokens and KV head
	op, qp, kp, vp uint64
	n, nh, nkv, hd int
}

// attPrep checks an Attention call and chooses its kernel.
func (d *Device) attPrep(out, q, kc, vc *backend.Tensor, a *backend.Attn, b *backend.Batch) (attCall, error) {
	hd, nh, nkv := a.HeadDim, a.Heads, a.KVHeads
	n := q.Rows
	c := attCall{n: n, nh: nh, nkv: nkv, hd: hd}
	if nkv <= 0 || nh%nkv != 0 || q.Cols != nh*hd || out.Rows != n || out.Cols != nh*hd ||
		kc.Cols != nkv*hd || vc.Cols != nkv*hd || kc.Rows != vc.Rows || kc.Type != vc.Type {
		return c, fmt.Errorf("cuda: attention %v over q %v, k %v, v %v with %+v", out, q, kc, vc, *a)
	}
	if len(b.Pos) != n || len(b.Seq) != n || b.BlockSize <= 0 {
		return c, fmt.Errorf("cuda: attention: batch of %d positions for %d rows", len(b.Pos), n)
	}
	for i := range n {
		s, p := int(b.Seq[i]), int(b.Pos[i])
		if s < 0 || s >= len(b.Tables) || p < 0 || (p+b.BlockSize)/b.BlockSize > len(b.Tables[s]) {
			return c, fmt.Errorf("cuda: attention: token %d (sequence %d, position %d) outside its block table", i, s, p)
		}
		for _, blk := range b.Tables[s][:p/b.BlockSize+1] {
			if blk < 0 || (int(blk)+1)*b.BlockSize > kc.Rows {
				return c, fmt.Errorf("cuda: attention: block %d outside the %d-row cache", blk, kc.Rows)
			}
		}
	}
	var epl int
	switch {
	case hd <= 32:
		epl = 1
	case hd <= 64:
		epl = 2
	case hd <= 128:
		epl = 4
	case hd <= 256:
		epl = 8
	default:
		return c, fmt.Errorf("cuda: attention: %w: head size %d (at most 256)", backend.ErrUnsupported, hd)
	}
	switch kc.Type {
	case quant.F32:
		c.kernel = fmt.Sprintf("attention_f32_%d", epl)
	case quant.F16:
		c.kernel = fmt.Sprintf("attention_f16_%d", epl)
	default:
		return c, fmt.Errorf("cuda: attention: %w: cache type %s", backend.ErrUnsupported, kc.Type)
	}
	c.grid, c.block = dims{uint32(n), uint32(nh), 1}, dims{attWarps * 32, 1, 1}
	kp, err := d.ptr(kc)
	if err != nil {
		return c, err
	}
	vp, err := d.ptr(vc)
	if err != nil {
		return c, err
	}
	g := nh / nkv
	switch qt, ok := attTileTokens(hd, g); {
	case ok && attTiles && n >= attGroupMinTokens*len(b.Tables) && oneSeqTiles(b.Seq, qt) && kp%16 == 0 && vp%16 == 0: // 16-byte loads
		c.kernel = fmt.Sprintf("attention_tile_%s_h%d_g%d", kernelFormat[kc.Type], hd, g)
		c.grid, c.block = dims{blocks(n, qt), uint32(nkv), 1}, dims{attTileThreads, 1, 1}
		c.grouped, c.tiled = true, true
	case n >= attGroupMinTokens*len(b.Tables) && (g == 2 || g == 4 || g == 8) && g*epl <= attGroupMax:
		c.kernel += fmt.Sprintf("_g%d", g) // one block per KV head for its g query heads
		c.grid.y = uint32(nkv)
		c.grouped = true
	}
	c.kp, c.vp = kp, vp
	if c.op, err = d.f32ptr(out); err != nil {
		return c, err
	}
	c.qp, err = d.f32ptr(q)
	return c, err
}

// attFuse lets the attention kernels convert their output for the next
// product (on unless a benchmark measures what that saves).
var attFuse = true

// attConverts reports whether the attention kernels (one block per query
// head) have a variant that converts their output as conversion kernel
// conv does: F16 and BF16 for any head size, Q8_0 where a head is whole
// 32-element blocks.
func attConverts(conv string, hd int) bool {
	switch conv {
	case "to_f16", "to_bf16":
		return true
	case "quantize_q8_0":
		return hd%32 == 0
	}
	return false
}

// attWarps is ATT_WARPS of attention.cu.
const attWarps = 8

// A decode step of one sequence with few query heads runs a block per
// head, each reading every position: at a long context those blocks, one
// per multiprocessor at most, read the cache slowly. There the positions
// are cut into runs of attention_*_split blocks (about attSplitRun
// positions each, at most attMaxSplits runs), which attention_merge
// combines. The number of runs follows the sequence's table capacity
// (backend.TableCap), which names a recorded step's shape, so a recording
// replays while the context grows within it.
const (
	attSplitRun  = 256
	attMaxSplits = 32
)

// attSplit turns the split kernels on (tests and benchmarks compare).
var attSplit = true

// attSplits is the number of runs Attention cuts call c's positions into
// (1: none).
func (d *Device) attSplits(c attCall, b *backend.Batch) int {
	if !attSplit || len(b.Tables) != 1 {
		return 1
	}
	capacity := backend.TableCap(len(b.Tables[0])) * b.BlockSize
	if c.tiled {
		blocks := int(c.grid.x * c.grid.y)
		if blocks >= d.sms {
			return 1
		}
		return max(1, min(attMaxSplits, (2*d.sms+blocks-1)/blocks, capacity/attTileSplitRun))
	}
	if c.grouped || c.n*c.nh >= 2*d.sms {
		return 1
	}
	return min(attMaxSplits, capacity/attSplitRun)
}

// attTileSplitRun is the fewest positions of a run of a split tiled
// attention (attention_tile_*_split): a prompt of one sequence whose
// tiles and KV heads make fewer blocks than the GPU has multiprocessors
// cuts the positions into up to two blocks a multiprocessor, each run at
// least this long. A 64-token prompt of synth-1.1b at depth 2048 was 64
// blocks on the H200's 132, about 300 µs a layer (bench/cuda.md, session
// 26).
const attTileSplitRun = 256

// The tiled attention kernels (attention_tile_*: a block of query rows of
// one sequence sharing the keys and values it copies into shared memory)
// run where the grouped ones would, for head sizes 64 and 128 and groups of
// 1, 2, 4 or 8 query heads, when every tile of the step is one sequence's.
// attTileThreads is AT_THREADS of attention.cu.
const attTileThreads = 128

// attTiles turns the tiled kernels on (tests and benchmarks compare).
var attTiles = true

// attTileTokens is the tokens a block of attention_tile_*_h<hd>_g<g>
// takes (AT_ROWS/g: 32 query rows for head size 64, 16 for 128), and
// whether that kernel exists.
func attTileTokens(hd, g int) (int, bool) {
	if g != 1 && g != 2 && g != 4 && g != 8 {
		return 0, false
	}
	switch hd {
	case 64:
		return 32 / g, true
	case 128:
		return 16 / g, true
	}
	return 0, false
}

// oneSeqTiles reports whether every run of qt rows (the last may be
// shorter) belongs to one sequence.
func oneSeqTiles(seq []int32, qt int) bool {
	for i := 0; i < len(seq); i += qt {
		for _, s := range seq[i:min(i+qt, len(seq))] {
			if s != seq[i] {
				return false
			}
		}
	}
	return true
}

// The grouped attention kernels (one block per KV head and its query
// heads, each key and value loaded once for them) run for steps of at
// least attGroupMinTokens tokens per sequence (a prefill, where many tokens
// read the same positions: 512-token prompts of synth-1.1b F16 25.2k →
// 33.2k tok/s on an H100), not for decode steps, one token per sequence,
// which need the parallelism of a block per query head (32 sequences
// stepped together: 6.1k → 4.6k tok/s with the grouped kernels). They
// exist for groups·(head size/32) ≤ attGroupMax.
const (
	attGroupMinTokens = 4
	attGroupMax       = 16
)
