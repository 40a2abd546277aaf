//go:build amd64 && gc && !purego

package cpu

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkStreamRead measures memory read bandwidth on 1 GiB (far past any
// cache) with 1 and 2 goroutines: the decode roofline is this bandwidth
// divided by the weight bytes a token reads.
func BenchmarkStreamRead(b *testing.B) {
	if !useAVX2 {
		b.Skip("no AVX2")
	}
	buf := make([]byte, 1<<30)
	for i := range buf {
		buf[i] = byte(i)
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			part := len(buf) / threads
			for b.Loop() {
				var wg sync.WaitGroup
				for t := range threads {
					wg.Add(1)
					go func() {
						defer wg.Done()
						streamReadAVX2(&buf[t*part], part)
					}()
				}
				wg.Wait()
			}
		})
	}
}
