package cpu

import (
	"encoding/binary"
	"math"
	"testing"
)

// TestF16sAllHalves widens every half (zeros, subnormals, normals,
// infinities, NaNs) at every level, in a row whose length leaves a tail,
// and compares with the Go reference bit for bit; a NaN need only stay a
// NaN of the same sign (the hardware conversions quiet signalling NaNs).
func TestF16sAllHalves(t *testing.T) {
	const n = 1<<16 + 5
	src := make([]byte, 2*n)
	for i := range n {
		binary.LittleEndian.PutUint16(src[2*i:], uint16(i))
	}
	want := f16sGeneric(make([]float32, n), src)
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			got := f16s(make([]float32, n), src)
			for i := range got {
				g, w := got[i], want[i]
				if math.IsNaN(float64(w)) {
					if !math.IsNaN(float64(g)) || math.Signbit(float64(g)) != math.Signbit(float64(w)) {
						t.Fatalf("half %#04x: %g, want a NaN like %g", uint16(i), g, w)
					}
					continue
				}
				if math.Float32bits(g) != math.Float32bits(w) {
					t.Fatalf("half %#04x: %g (%#08x), want %g (%#08x)", uint16(i), g, math.Float32bits(g), w, math.Float32bits(w))
				}
			}
		})
	}
}
