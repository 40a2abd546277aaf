package model

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Cache is a paged KV cache: for every layer, keys and values of
// Blocks·BlockSize token slots, on the layer's device. Which slots belong to
// which sequence is the caller's business (block tables in backend.Batch).
type Cache struct {
	BlockSize, Blocks int
	Type              quant.Type
	K, V              []*backend.Tensor // per layer, (Blocks·BlockSize, kvHeads·headDim)
}

// NewCache allocates a cache of blocks blocks of blockSize slots with
// elements of type t (F32 or F16) on the devices of the model's layers.
func (m *Model) NewCache(blocks, blockSize int, t quant.Type) (*Cache, error) {
	if blocks <= 0 || blockSize <= 0 {
		return nil, fmt.Errorf("model: cache of %d blocks of %d", blocks, blockSize)
	}
	if t != quant.F32 && t != quant.F16 {
		return nil, fmt.Errorf("model: cache type %s (want F32 or F16)", t)
	}
	c := &m.Config
	kv := &Cache{BlockSize: blockSize, Blocks: blocks, Type: t}
	for i := 0; i < c.Layers; i++ {
		d := m.Place.Layers[i]
		for _, dst := range []*[]*backend.Tensor{&kv.K, &kv.V} {
			x, err := backend.AllocCache(d, t, blocks, blockSize, c.KVHeads, c.HeadDim)
			if err != nil {
				kv.Free()
				return nil, fmt.Errorf("model: kv cache for layer %d on %s: %w", i, d.Name(), err)
			}
			*dst = append(*dst, x)
		}
	}
	return kv, nil
}

// Free releases the cache's memory.
func (kv *Cache) Free() {
	for _, t := range append(kv.K, kv.V...) {
		t.Device().Free(t)
	}
	kv.K, kv.V = nil, nil
}

// CacheBytes is the size of the KV cache per token slot over all layers.
func (c *Config) CacheBytes(t quant.Type) int {
	n, _ := t.RowBytes(c.KVHeads * c.HeadDim)
	return 2 * n * c.Layers
}
