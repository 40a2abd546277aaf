package gguf

import (
	"fmt"
	"runtime"
	"testing"
)

// allocated returns the bytes allocated by fn.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxAllocRatio bounds what Parse allocates, as a multiple of the file's
// size. The tightest files are valid ones made of the smallest items: an
// 8-byte empty string becomes a 16-byte string header, a 13-byte metadata
// entry a 32-byte KV plus its map entry, a 24-byte tensor info a 64-byte
// Tensor, its shape and its map entry. Hostile counts must not do worse.
const maxAllocRatio = 8

// TestAllocBound parses hostile files (counts claiming far more than the
// file holds, nested arrays each claiming the whole file) and dense valid
// ones, and checks that the bytes allocated stay within maxAllocRatio times
// the file's size.
func TestAllocBound(t *testing.T) {
	const size = 1 << 20
	pad := func(e *enc) []byte { return e.raw(make([]byte, size-len(e.b))...).bytes() }
	cases := []struct {
		name  string
		data  []byte
		valid bool
	}{
		{"metadata count 2^62", pad(newFile(3, 0, 1<<62)), false},
		{"tensor count 2^62", pad(newFile(3, 1<<62, 0)), false},
		{"metadata count filling the file", pad(newFile(3, 0, (size-24)/minKVSize).kv("", 99)), false},
		{"tensor count filling the file", pad(newFile(3, (size-24)/minTensorSize, 0).str("x").u32(9)), false},
		{"array of 2^60 strings", pad(withKVPrefix().arr(TypeString, 1<<60)), false},
		{"array of strings filling the file", pad(withKVPrefix().arr(TypeString, (size-100)/8).u64(1 << 40)), false},
		{"array of uint64 filling the file", pad(withKVPrefix().arr(TypeUint64, size/8)), false},
		{"string longer than the file", pad(newFile(3, 0, 1).kv("k", TypeString).u64(size)), false},
		{"nested arrays each claiming the file", func() []byte {
			// Each level claims as many elements as the bytes left could
			// hold if the levels did not have to share them.
			e := withKVPrefix()
			for d := 0; d < maxNesting-1; d++ {
				e.arr(TypeArray, uint64(size-len(e.b)-12)/minArraySize)
			}
			e.arr(TypeString, uint64(size-len(e.b)-12)/8)
			return pad(e)
		}(), false},
		{"valid: empty strings", func() []byte {
			n := (size - 100) / 8
			e := newFile(3, 0, 1).kv("k", TypeArray).arr(TypeString, uint64(n))
			for i := 0; i < n; i++ {
				e.u64(0)
			}
			return e.bytes()
		}(), true},
		{"valid: small metadata entries", func() []byte {
			n := uint64(size / 16)
			e := newFile(3, 0, n)
			for i := uint64(0); i < n; i++ {
				e.str(fmt.Sprintf("%x", i)).u32(uint32(TypeUint8)).u8(1)
			}
			return e.bytes()
		}(), true},
		{"valid: empty tensors", func() []byte {
			n := uint64(size / 32)
			e := newFile(3, n, 0)
			for i := uint64(0); i < n; i++ {
				e.tensor(fmt.Sprintf("%x", i), 0, 0, 0)
			}
			return e.pad(32).bytes()
		}(), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			got := allocated(func() { _, err = Parse(tc.data) })
			if (err == nil) != tc.valid {
				t.Fatalf("Parse: %v", err)
			}
			ratio := float64(got) / float64(len(tc.data)+1)
			t.Logf("%d bytes: allocated %d (%.2f×)", len(tc.data), got, ratio)
			if got > maxAllocRatio*uint64(len(tc.data))+4096 {
				t.Errorf("allocated %d bytes for a file of %d: more than %d×", got, len(tc.data), maxAllocRatio)
			}
		})
	}
}

// withKVPrefix starts a file of one metadata entry "k", an array whose
// element type and count the caller appends.
func withKVPrefix() *enc { return newFile(3, 0, 1).kv("k", TypeArray) }
