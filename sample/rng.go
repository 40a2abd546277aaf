package sample

import "math/bits"

// The generator is xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64. It is
// written here, not taken from math/rand, so that a seed's sequence is fixed by this file
// alone on every platform and Go release; testdata/rng_golden.py is an independent
// implementation that produced the expected values of TestRNGGolden.

// goldenGamma is SplitMix64's increment, 2^64 divided by the golden ratio.
const goldenGamma = 0x9e3779b97f4a7c15

// mix64 is SplitMix64's output function (Stafford's variant 13).
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

type rng struct{ s [4]uint64 }

// newRNG expands seed into the 256-bit state with four SplitMix64 steps. They are four
// outputs of a bijection on distinct counters, so the state is never all zero.
func newRNG(seed uint64) rng {
	var r rng
	x := seed
	for i := range r.s {
		x += goldenGamma
		r.s[i] = mix64(x)
	}
	return r
}

func (r *rng) uint64() uint64 {
	s := &r.s
	out := bits.RotateLeft64(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = bits.RotateLeft64(s[3], 45)
	return out
}

// float64 is uniform in [0, 1) on a grid of 2^-53.
func (r *rng) float64() float64 { return float64(r.uint64()>>11) * 0x1p-53 }
