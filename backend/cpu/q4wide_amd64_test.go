//go:build amd64 && gc && !purego

package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestDotWideQ4_0x4 checks the four-token 16-row group kernel against the
// one-token Go reference for each token, bit for bit, on activation rows
// spaced as scratch spaces them; it must run wherever AVX-512 VNNI is on,
// and decline rows spaced unevenly (testQ4x4).
func TestDotWideQ4_0x4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(63, 64)), q4x4Kernel{
		pack:    q4Wide,
		run:     dotWideQ4_0x4,
		ref:     dotWideQ4_0Generic,
		on:      func() bool { return useVNNI && useAVX512 },
		feature: "AVX-512 VNNI",
	}, [][2]int{{16, 1}, {32, 3}, {48, 7}, {80, 65}})
}

// TestDotWideQ4_0TwoStreams runs TestDotWideQ4_0Two's cases with the
// four-stream kernel off (dotWideQ4_0TwoVNNI alone) as well as on.
func TestDotWideQ4_0TwoStreams(t *testing.T) {
	for _, four := range []bool{false, true} {
		t.Run(fmt.Sprintf("four=%t", four), func(t *testing.T) {
			defer func(old bool) { q4Four = old }(q4Four)
			q4Four = four
			testDotWideQ4_0Two(t)
		})
	}
}

// TestDotWideQ8_0x4 checks the four-token repacked Q8_0 kernel against
// the one-token Go reference for each token, as TestDotWideQ4_0x4 does.
func TestDotWideQ8_0x4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(83, 84)), q4x4Kernel{
		pack:    q8Wide,
		run:     dotWideQ8_0x4,
		ref:     dotWideQ8_0Generic,
		on:      func() bool { return useVNNI && useAVX512 },
		feature: "AVX-512 VNNI",
	}, [][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 65}})
}
