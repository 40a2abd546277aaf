package backend

import (
	"fmt"

	"github.com/tern-llm/tern/quant"
)

// CacheAllocator is implemented by devices that lay out a paged KV cache in
// their own order, for their attention to read it faster. A cache it
// allocates is a tensor of blocks·blockSize rows (slots) of kvHeads·headDim
// elements for StoreKV, Attention and the ops that take caches, as one
// from Alloc is, but its bytes lie in the device's order: Upload and
// Download move them as they lie, and ops must take it with batches of
// blockSize.
type CacheAllocator interface {
	AllocCache(t quant.Type, blocks, blockSize, kvHeads, headDim int) (*Tensor, error)
}

// AllocCache allocates a paged KV cache on d: through its CacheAllocator
// where it has one, and as Alloc of CacheShape otherwise.
func AllocCache(d Device, t quant.Type, blocks, blockSize, kvHeads, headDim int) (*Tensor, error) {
	if ca, ok := d.(CacheAllocator); ok {
		return ca.AllocCache(t, blocks, blockSize, kvHeads, headDim)
	}
	rows, cols, err := CacheShape(blocks, blockSize, kvHeads, headDim)
	if err != nil {
		return nil, err
	}
	return d.Alloc(t, rows, cols)
}

// CacheShape returns the rows (slots) and columns of a cache of blocks
// blocks of blockSize slots, kvHeads heads of headDim elements a slot.
func CacheShape(blocks, blockSize, kvHeads, headDim int) (rows, cols int, err error) {
	if blocks <= 0 || blockSize <= 0 || kvHeads <= 0 || headDim <= 0 ||
		blocks > int(^uint(0)>>1)/blockSize || kvHeads > int(^uint(0)>>1)/headDim {
		return 0, 0, fmt.Errorf("cache of %d blocks of %d slots, %d heads of %d: bad shape", blocks, blockSize, kvHeads, headDim)
	}
	return blocks * blockSize, kvHeads * headDim, nil
}
