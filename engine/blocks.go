package engine

import (
	"encoding/binary"
	"hash/maphash"
)

// blockPool owns the KV cache blocks: which are free, how many sequences
// use each, and which hold a full block of known tokens (the prefix cache).
//
// Free blocks are kept in eviction order: a block whose last user finished
// goes to the back, and allocation takes from the front, so cached prefixes
// live as long as possible (LRU). A free block that still holds a cached
// prefix can be revived by a later request with the same prefix.
type blockPool struct {
	size      int       // tokens per block
	active    int       // blocks put to use so far: ids below it (the rest wait for grow)
	refs      []int32   // users per block
	key       []uint64  // prefix key of a cached full block (0: none)
	toks      [][]int32 // the tokens a cached block holds, to rule out hash collisions
	free      freeList  // blocks with no users, least recently used first
	cached    map[uint64]int32
	seed      maphash.Seed
	usedCount int // blocks with users
}

// newBlockPool makes a pool over a cache of blocks blocks of size tokens,
// of which the first active are in use from the start (grow adds the rest).
func newBlockPool(blocks, size, active int) *blockPool {
	active = min(max(active, 0), blocks)
	p := &blockPool{
		size:   size,
		active: active,
		refs:   make([]int32, blocks),
		key:    make([]uint64, blocks),
		toks:   make([][]int32, blocks),
		cached: map[uint64]int32{},
		seed:   maphash.MakeSeed(),
	}
	p.free.init(blocks)
	for b := 0; b < active; b++ {
		p.free.pushBack(int32(b))
	}
	return p
}

// capacity is the cache's blocks, in use or not yet.
func (p *blockPool) capacity() int { return len(p.refs) }

// grow puts n more blocks to use (at most the capacity). They go to the
// front of the free list: empty blocks are taken before free ones that
// still hold cached prefixes.
func (p *blockPool) grow(n int) {
	n = min(n, p.capacity()-p.active)
	for i := n - 1; i >= 0; i-- {
		p.free.pushFront(int32(p.active + i))
	}
	p.active += n
}

// blockKey is the prefix-cache key of a full block: the hash of its
// parent's key and its tokens, so equal keys mean equal whole prefixes.
func (p *blockPool) blockKey(parent uint64, toks []int32) uint64 {
	var h maphash.Hash
	h.SetSeed(p.seed)
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], parent)
	h.Write(buf[:])
	for _, t := range toks {
		binary.LittleEndian.PutUint32(buf[:4], uint32(t))
		h.Write(buf[:4])
	}
	k := h.Sum64()
	if k == 0 {
		k = 1 // 0 means "no key"
	}
	return k
}

// numFree is the number of blocks that can be allocated now.
func (p *blockPool) numFree() int { return p.free.len }

// alloc takes the least recently used free block, dropping any prefix it cached.
func (p *blockPool) alloc() (int32, bool) {
	b, ok := p.free.popFront()
	if !ok {
		return 0, false
	}
	if k := p.key[b]; k != 0 {
		delete(p.cached, k)
		p.key[b], p.toks[b] = 0, nil
	}
	p.refs[b] = 1
	p.usedCount++
	return b, true
}

// lookup finds the cached block holding toks after the prefix parent, and
// takes a reference to it.
func (p *blockPool) lookup(key uint64, toks []int32) (int32, bool) {
	b, ok := p.cached[key]
	if !ok || !equal(p.toks[b], toks) {
		return 0, false
	}
	if p.refs[b] == 0 {
		p.free.remove(b)
		p.usedCount++
	}
	p.refs[b]++
	return b, true
}

// publish records that block b now holds the full block toks with key, so
// later requests can share it. A block already cached under another key, or
// a key already served by another block, is left as it is.
func (p *blockPool) publish(b int32, key uint64, toks []int32) {
	if p.key[b] != 0 {
		return
	}
	if _, dup := p.cached[key]; dup {
		return
	}
	p.key[b] = key
	p.toks[b] = append([]int32(nil), toks...)
	p.cached[key] = b
}

// release drops one reference to each block; a block nobody uses goes to
// the back of the free list (its cached prefix stays until it is reused).
// Blocks are released last first, so a sequence's tail is evicted before
// its head.
func (p *blockPool) release(blocks []int32) {
	for i := len(blocks) - 1; i >= 0; i-- {
		b := blocks[i]
		p.refs[b]--
		if p.refs[b] == 0 {
			p.usedCount--
			p.free.pushBack(b)
		}
	}
}

func equal(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// freeList is a doubly linked list of block ids over arrays.
type freeList struct {
	prev, next []int32 // -1 ends; in[b] says whether b is linked
	in         []bool
	head, tail int32
	len        int
}

func (l *freeList) init(n int) {
	l.prev, l.next, l.in = make([]int32, n), make([]int32, n), make([]bool, n)
	l.head, l.tail = -1, -1
}

func (l *freeList) pushBack(b int32) {
	l.prev[b], l.next[b] = l.tail, -1
	if l.tail >= 0 {
		l.next[l.tail] = b
	} else {
		l.head = b
	}
	l.tail = b
	l.in[b] = true
	l.len++
}

func (l *freeList) pushFront(b int32) {
	l.prev[b], l.next[b] = -1, l.head
	if l.head >= 0 {
		l.prev[l.head] = b
	} else {
		l.tail = b
	}
	l.head = b
	l.in[b] = true
	l.len++
}

func (l *freeList) popFront() (int32, bool) {
	if l.head < 0 {
		return 0, false
	}
	b := l.head
	l.remove(b)
	return b, true
}

func (l *freeList) remove(b int32) {
	if !l.in[b] {
		return
	}
	if l.prev[b] >= 0 {
		l.next[l.prev[b]] = l.next[b]
	} else {
		l.head = l.next[b]
	}
	if l.next[b] >= 0 {
		l.prev[l.next[b]] = l.prev[b]
	} else {
		l.tail = l.prev[b]
	}
	l.in[b] = false
	l.len--
}
