package cpu

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestClaimLines checks that claimLines zeroes a byte of every cache line
// b covers, wherever b starts and ends, and writes nothing outside b.
func TestClaimLines(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	buf := make([]byte, 8*cacheLine+2*cacheLine)
	base := int(-uintptr(unsafe.Pointer(unsafe.SliceData(buf)))) & (cacheLine - 1) // buf[base] starts a line
	for _, off := range []int{0, 1, 31, 63} {
		for _, n := range []int{0, 1, 2, 63, 64, 65, 127, 128, 129, 300, 7 * cacheLine} {
			for i := range buf {
				buf[i] = byte(r.IntN(255) + 1) // never zero
			}
			was := append([]byte(nil), buf...)
			lo := base + off
			claimLines(buf[lo : lo+n])
			for i := range buf {
				if (i < lo || i >= lo+n) && buf[i] != was[i] {
					t.Fatalf("off %d, %d bytes: byte %d outside b written", off, n, i-lo)
				}
			}
			for line := lo - off; n > 0 && line < lo+n; line += cacheLine {
				zero := false
				for i := max(line, lo); i < min(line+cacheLine, lo+n); i++ {
					zero = zero || buf[i] == 0
				}
				if !zero {
					t.Fatalf("off %d, %d bytes: line at %d not claimed", off, n, line-lo)
				}
			}
		}
	}
}
