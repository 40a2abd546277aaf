//go:build amd64 && gc && !purego

package cpu

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkStreamRead measures memory read bandwidth on 1 GiB (far past any
// cache) with 1 and 2 goroutines, each reading its share as one stream
// (cpu.StreamRead, the calibration's probe: the decode roofline is this
// bandwidth divided by the weight bytes a token reads) or as two streams
// half its share apart, as the one-token kernels read their weights.
func BenchmarkStreamRead(b *testing.B) {
	if !useAVX2 {
		b.Skip("no AVX2")
	}
	buf := make([]byte, 1<<30)
	for i := range buf {
		buf[i] = byte(i)
	}
	for _, threads := range []int{1, 2} {
		for _, streams := range []int{1, 2} {
			name := fmt.Sprintf("threads=%d", threads)
			if streams == 2 {
				name += "/streams=2"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(buf)))
				part := len(buf) / threads
				for b.Loop() {
					var wg sync.WaitGroup
					for t := range threads {
						wg.Add(1)
						go func() {
							defer wg.Done()
							if streams == 2 {
								streamRead2AVX2(&buf[t*part], part/2, part/2)
								return
							}
							streamReadAVX2(&buf[t*part], part)
						}()
					}
					wg.Wait()
				}
			})
		}
	}
}

// TestStreamRead2 checks that the two-stream read sums every word once.
func TestStreamRead2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	buf := make([]byte, 1<<12)
	for i := range buf {
		buf[i] = byte(i*7 + 3)
	}
	for _, n := range []int{64, 640, 2048} {
		if got, want := streamRead2AVX2(&buf[0], n, n), sumWords(buf[:2*n]); got != want {
			t.Errorf("n=%d: sum %d, want %d", n, got, want)
		}
	}
}
