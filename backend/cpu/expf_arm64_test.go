//go:build arm64 && gc && !purego

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpNEON compares the NEON exponential (through softmaxExp and
// swigluVec) with expVec on random values over exp's whole float32 range,
// the edges where 2^n turns subnormal or overflows, and infinities, zeros
// and NaN: bit for bit, NaN for NaN.
func TestExpNEON(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 50))
	xs := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		-87.3, -87.4, -103, -103.9, -104, 88.7, 88.8, 133, 133.2, -133.2, 1e-30, -1e-30}
	for e := -160; e <= 200; e++ { // n = e and its neighbours
		x := float32(e) * float32(math.Ln2)
		xs = append(xs, x, math.Nextafter32(x, 0), math.Nextafter32(x, 1000), x+0.5*float32(math.Ln2))
	}
	for len(xs)%vecLanes != 0 || len(xs) < 1<<16 {
		xs = append(xs, float32(r.Float64()*200-105))
	}
	same := func(a, b float32) bool {
		if math.IsNaN(float64(a)) || math.IsNaN(float64(b)) {
			return math.IsNaN(float64(a)) && math.IsNaN(float64(b))
		}
		return math.Float32bits(a) == math.Float32bits(b)
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			s := append([]float32(nil), xs...)
			softmaxExp(s, 0)
			for i, x := range xs {
				if want := expVec(x); !same(s[i], want) {
					t.Fatalf("exp(%g) = %g (%#08x), want %g (%#08x)", x, s[i], math.Float32bits(s[i]), want, math.Float32bits(want))
				}
			}
			u := make([]float32, len(xs))
			for i := range u {
				u[i] = float32(r.NormFloat64())
			}
			o1, o2 := make([]float32, len(xs)), make([]float32, len(xs))
			swigluVec(o1, xs, u)
			swigluVecGeneric(o2, xs, u)
			for i := range o1 {
				if !same(o1[i], o2[i]) {
					t.Fatalf("swiglu(%g, %g) = %g, want %g", xs[i], u[i], o1[i], o2[i])
				}
			}
		})
	}
}
