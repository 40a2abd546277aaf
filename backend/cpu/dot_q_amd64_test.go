//go:build amd64 && gc && !purego

package cpu

import (
	"fmt"
	"testing"
)

// levels are the instruction-set levels this machine can run, best first;
// each entry's set function selects it and returns a restore function.
func levels() []struct {
	name string
	set  func() func()
} {
	type level = struct {
		name string
		set  func() func()
	}
	set := func(avx512, vnni, avx2 bool) func() func() {
		return func() func() {
			f, v, a := useAVX512, useVNNI, useAVX2
			useAVX512, useVNNI, useAVX2 = avx512, vnni, avx2
			return func() { useAVX512, useVNNI, useAVX2 = f, v, a }
		}
	}
	var ls []level
	if useVNNI && useAVX512 {
		ls = append(ls, level{"avx512", set(true, true, true)})
	}
	if useVNNI {
		ls = append(ls, level{"vnni", set(false, true, true)})
	}
	if useAVX2 {
		ls = append(ls, level{"avx2", set(false, false, true)})
	}
	return append(ls, level{"generic", set(false, false, false)})
}

// TestDotRowsQ8_0TwoStreams runs TestDotRowsQ8_0Two's cases with the
// four-stream kernel off (dotRowsQ8_0TwoZ alone) as well as on.
func TestDotRowsQ8_0TwoStreams(t *testing.T) {
	for _, four := range []bool{false, true} {
		t.Run(fmt.Sprintf("four=%t", four), func(t *testing.T) {
			defer func(old bool) { q8Four = old }(q8Four)
			q8Four = four
			testDotRowsQ8_0Two(t)
		})
	}
}
