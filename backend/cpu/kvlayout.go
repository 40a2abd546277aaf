package cpu

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// A KV cache's layout. Row after row (Alloc), a key-value head's slice of
// a slot is hd elements of every row: at 4096 positions, 256 bytes of every
// 2 KiB of a Llama-3.2-1B F32 cache. The hardware prefetchers, confined to
// a page, do not follow that, and a core keeps only so many software
// prefetches in flight: one-token attention read its keys and values at
// 11-12 GB/s a core (bench/cpu.md, session 28). AllocCache lays each block
// out head after head instead, a head's slices of the block's slots one
// run (4 KiB for 16 slots of 64 floats), which the prefetchers stream.

// kvLayout is how a cache's blocks lie: the zero value, row after row;
// otherwise blocks of bs slots, each head after head, a head's bs slices
// of hd elements one after another.
type kvLayout struct{ bs, hd int }

// AllocCache allocates a paged KV cache (backend.CacheAllocator), laid out
// by head within each block where its elements are F32 or F16 and a head's
// slice of a slot is at least minHeadRun bytes; others lie row after row.
func (d *Device) AllocCache(t quant.Type, blocks, blockSize, kvHeads, headDim int) (*backend.Tensor, error) {
	rows, cols, err := backend.CacheShape(blocks, blockSize, kvHeads, headDim)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	x, err := d.Alloc(t, rows, cols)
	if err != nil {
		return nil, err
	}
	if (t == quant.F32 || t == quant.F16) && kvHeads > 1 && headDim*t.BlockBytes()/t.BlockSize() >= minHeadRun {
		x.Buf.(*buffer).kv = kvLayout{bs: blockSize, hd: headDim}
	}
	return x, nil
}

// minHeadRun is the fewest bytes of a head's slice of a slot for which
// AllocCache lays a cache out by head: two cache lines. stories260K's
// heads of 8 floats (32 bytes) stay row after row: its caches lie in L1
// and L2, and storing a slot head by head made its decode 1.4-3.5%
// slower (tg128, two interleaved rounds).
const minHeadRun = 128

// layoutOf returns the layout of cache c: AllocCache's, or row after row.
func (d *Device) layoutOf(c *backend.Tensor) kvLayout {
	if b, ok := c.Buf.(*buffer); ok && b.dev == d && c.Off == 0 {
		return b.kv
	}
	return kvLayout{}
}

// check reports an error unless a cache of layout l can be read in heads
// of hd elements and blocks of bs slots.
func (l kvLayout) check(hd, bs int) error {
	if l.bs != 0 && (l.bs != bs || l.hd != hd) {
		return fmt.Errorf("cache laid out in blocks of %d slots and heads of %d, taken in blocks of %d and heads of %d", l.bs, l.hd, bs, hd)
	}
	return nil
}

// head returns the byte offset of head kvh (hd elements of es bytes) of
// slot s in a cache of rows of rb bytes, and the bytes from it to the same
// head of the next slot of its block.
func (l kvLayout) head(s, kvh, hd, rb, es int) (off, stride int) {
	if l.bs == 0 {
		return s*rb + kvh*hd*es, rb
	}
	blk, i := s/l.bs, s%l.bs
	return blk*l.bs*rb + (kvh*l.bs+i)*hd*es, hd * es
}

// storeRow stores src (a slot's cols elements) into slot s of the cache
// bytes cb (type t, rows of rb bytes).
func (l kvLayout) storeRow(cb []byte, t quant.Type, s, rb int, src []float32) error {
	if l.bs == 0 {
		return storeRun(cb[s*rb:(s+1)*rb], t, src)
	}
	es := rb / len(src)
	for h := range len(src) / l.hd {
		off, _ := l.head(s, h, l.hd, rb, es)
		if err := storeRun(cb[off:off+l.hd*es], t, src[h*l.hd:(h+1)*l.hd]); err != nil {
			return err
		}
	}
	return nil
}

// storeRun writes src into dst as elements of type t.
func storeRun(dst []byte, t quant.Type, src []float32) error {
	if t == quant.F32 {
		copy(unsafeF32(dst), src)
		return nil
	}
	return quant.Quantize(t, dst, src)
}
