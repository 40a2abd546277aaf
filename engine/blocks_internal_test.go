package engine

import "testing"

// TestPoolGrow: a pool starts with its first blocks in use; grown blocks
// are handed out before free blocks that still hold a cached prefix, and
// growth stops at the capacity.
func TestPoolGrow(t *testing.T) {
	p := newBlockPool(8, 16, 3)
	if p.numFree() != 3 || p.capacity() != 8 || p.active != 3 {
		t.Fatalf("new pool: %d free, capacity %d, active %d", p.numFree(), p.capacity(), p.active)
	}
	var got []int32
	for range 3 {
		b, ok := p.alloc()
		if !ok {
			t.Fatal("alloc failed with free blocks")
		}
		got = append(got, b)
	}
	if _, ok := p.alloc(); ok {
		t.Fatal("alloc past the active blocks")
	}
	// Block 1 caches a prefix and is released: it stays cached while free.
	p.publish(got[1], 42, []int32{7})
	p.release([]int32{got[1]})
	p.grow(2)
	if p.active != 5 || p.numFree() != 3 {
		t.Fatalf("after grow(2): active %d, %d free", p.active, p.numFree())
	}
	var order []int32
	for range 3 {
		b, _ := p.alloc()
		order = append(order, b)
	}
	if order[0] != 3 || order[1] != 4 || order[2] != got[1] {
		t.Errorf("allocation order %v, want the grown blocks 3, 4 before the cached block %d", order, got[1])
	}
	p.grow(100)
	if p.active != 8 || p.numFree() != 3 {
		t.Errorf("grow past the capacity: active %d, %d free", p.active, p.numFree())
	}
}
