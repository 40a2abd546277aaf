package cpu

import (
	"fmt"
	"math/bits"

	"github.com/tern-llm/tern/quant"
)

// Softmax·V lane by lane. A one-token step's softmax·V adds each position's
// value row, times its weight, into accumulator row t mod 64 of each query
// head (vec_dot_f32's 64 lanes, foldLanes), in order of position. Block by
// block (axpyRows), every row added is a read and a write of the
// accumulators. Lane by lane, the positions t, t+64, t+128, … of one lane
// row are added into accumulators held in registers: the same sums in the
// same order, the accumulators read and written once a lane a chunk of
// laneChunk positions. A lane's rows lie 64 positions apart, so a chunk's
// values are asked for into L2 while the chunk before it is added; the
// first chunk is added block by block (its values asked for a block
// ahead), the second asked for meanwhile. In-process A/B over 16 layers'
// F32 caches far past L3 (Llama-3.2-1B's heads, 2 threads, blocks ÷
// lanes; bench/cpu.md, session 28): caches by head (AllocCache) 1152
// positions ×0.981-1.000, 1280 ×0.998-1.010, 1408 ×1.016-1.020, 1536
// ×1.020-1.054, 2048 ×1.03-1.08, 4096 ×1.12-1.20, 16384 ×1.27-1.32; caches
// row after row 1536 ×0.96-0.98, 2048 ×1.00-1.07, 4096 ×1.08-1.10, 16384
// ×1.16-1.31 (lanesFrom).

// laneChunk is the positions groups adds lane by lane at a time: 256 KiB
// of one key-value head's F32 values (rows of 64), a quarter of a Zen 4
// core's L2.
const laneChunk = 1024

// laneOps is the operands of one lane row's softmax·V for four query
// heads of one key-value head over an F32 or F16 cache (axpyLanes4).
type laneOps struct {
	acc       []float32 // head 0's accumulator row; head j's accStride floats further
	accStride int
	v         []byte // the cache of values
	vOff      int    // bytes into a cache block of the head's first value (and the part's)
	blockSize int    // bytes a cache block
	rowStride int    // bytes from a slot's head to the next slot's in its block
	width     int    // floats of a row added: 64
	table     []int32
	shift     int       // log2 of the block size: position p lies in block p>>shift
	maxPos    int       // the last position whose cache rows may be read
	w         []float32 // head 0's weights by position; head j's wStride floats further
	wStride   int
	f16       bool // the values are F16, widened as they are read
}

// es is the bytes of a cached value.
func (l *laneOps) es() int {
	if l.f16 {
		return 2
	}
	return 4
}

// at returns the byte offset in l.v of position p's values.
func (l *laneOps) at(p int) int {
	return int(l.table[p>>l.shift])*l.blockSize + p&(1<<l.shift-1)*l.rowStride + l.vOff
}

// check panics unless the n positions t, t+64, … lie at or before maxPos
// and every head's accumulators and weights inside l's slices: the vector
// path reads them unchecked. The block table up to maxPos, and so every
// row read, attnSetup has checked against the cache's rows.
func (l *laneOps) check(t, n int) {
	last := t + 64*(n-1)
	if t < 0 || last > l.maxPos || last>>l.shift >= len(l.table) || l.vOff+(1<<l.shift-1)*l.rowStride+l.es()*l.width > l.blockSize ||
		len(l.acc) < 3*l.accStride+l.width || len(l.w) < 3*l.wStride+last+1 {
		panic(fmt.Sprintf("cpu: lanes %d+64·%d past position %d, table %d, acc %d, weights %d", t, n, l.maxPos, len(l.table), len(l.acc), len(l.w)))
	}
}

// axpyLanes4Generic adds, for the n positions t, t+64, t+128, …, the value
// row of each (l.width floats from byte l.vOff of its cache row) times
// head j's weight into head j's accumulator row, fused, in order of
// position: what axpyRows adds into that lane row, for four heads.
func axpyLanes4Generic(l *laneOps, t, n int) {
	var wide []float32
	if l.f16 {
		wide = make([]float32, l.width)
	}
	for i := range n {
		p := t + 64*i
		var v []float32
		if l.f16 {
			v = f16s(wide, l.v[l.at(p):][:2*l.width])
		} else {
			v = unsafeF32(l.v[l.at(p):])[:l.width]
		}
		for j := range 4 {
			axpyGeneric(l.acc[j*l.accStride:][:l.width], v, l.w[j*l.wStride+p])
		}
	}
}

// lanesFrom is the fewest positions for which groups adds the values lane
// by lane: a chunk and a half in a cache by head, two chunks in one row
// after row, where the lanes' rows read from memory come slower.
func (r *attnArgs) lanesFrom() int {
	if r.kv.bs != 0 {
		return 3 * laneChunk / 2
	}
	return 2 * laneChunk
}

// byLanes reports whether groups adds the values lane by lane (addLanes):
// one token (64 lanes) over an F32 or F16 cache whose blocks are whole
// 16-row runs of a power of two, groups of a multiple of four heads, heads
// of a multiple of 64 floats, and a vector path.
func (r *attnArgs) byLanes() bool {
	bs := r.b.BlockSize
	return lanesFast() && (r.typ == quant.F32 || r.typ == quant.F16) && r.rows == 64 && r.group%4 == 0 && r.hd%64 == 0 &&
		bs%16 == 0 && bs&(bs-1) == 0
}

// addLanes adds the group of key-value head kvh's weighted values (their
// scores in buf, softmaxed) of positions from up to p (of sequence s)
// into its accumulators, lane by lane, a laneChunk of positions at a
// time, the next chunk's values asked for as it goes. from is a multiple
// of laneChunk, and its chunk's values have been asked for.
func (r *attnArgs) addLanes(buf *attnBuf, s, p, from, kvh int) {
	lanes := r.rows * r.hd
	bs := r.b.BlockSize
	l := laneOps{accStride: lanes, v: r.vb, blockSize: bs * r.rb, width: 64, table: r.b.Tables[s],
		shift: bits.TrailingZeros(uint(bs)), maxPos: p, wStride: buf.span, f16: r.typ == quant.F16}
	es := l.es()
	head, stride := r.kv.head(0, kvh, r.hd, r.rb, es) // in block 0
	l.rowStride = stride
	for c0 := from; c0 <= p; c0 += laneChunk {
		cn := min(laneChunk, p+1-c0)
		for lane := range min(r.rows, cn) {
			r.prefetchLanes(s, p, c0+laneChunk, lane, kvh) // the next chunk's
			n := (cn - lane + r.rows - 1) / r.rows
			for j := 0; j < r.group; j += 4 {
				for part := 0; part < r.hd; part += 64 {
					l.acc = buf.acc[j*lanes+lane*r.hd+part:]
					l.w = buf.scores[j*buf.span:]
					l.vOff = head + es*part
					axpyLanes4(&l, c0+lane, n)
				}
			}
		}
	}
}

// prefetchLanes asks for the lane-th 64th of head kvh's values of the
// laneChunk positions from c0 of sequence s (none past p): 16 rows of one
// cache block.
func (r *attnArgs) prefetchLanes(s, p, c0, lane, kvh int) {
	const rows = laneChunk / 64
	if t := c0 + rows*lane; t <= p {
		r.prefetchHeads(r.vb, s, t, min(rows, p+1-t), kvh)
	}
}
