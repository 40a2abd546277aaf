package cpu

import (
	"math/rand/v2"
	"testing"
)

// TestStreamRead checks the vector read's sum against a byte-by-byte one
// on lengths around the 128-byte step and at odd offsets, and on lengths
// read as two streams.
func TestStreamRead(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, twoStreamBytes+4096+17)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for _, off := range []int{0, 1, 8, 13} {
		for _, n := range []int{0, 1, 7, 8, 63, 64, 127, 128, 129, 255, 256, 1000, 4096, twoStreamBytes - 1, twoStreamBytes, twoStreamBytes + 4096 + 3} {
			b := buf[off : off+n]
			var want uint64
			for i := 0; i < len(b); i += 8 {
				for j := 0; j < 8 && i+j < len(b); j++ {
					want += uint64(b[i+j]) << (8 * j)
				}
			}
			if got := StreamRead(b); got != want {
				t.Errorf("offset %d, %d bytes: sum %x, want %x", off, n, got, want)
			}
		}
	}
}
