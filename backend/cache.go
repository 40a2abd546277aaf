package backend

import "github.com/tern-llm/tern/quant"

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
