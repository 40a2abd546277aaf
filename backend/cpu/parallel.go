package cpu

import "sync"

// parallel runs fn over [0, n) split into at most d.threads contiguous
// chunks, each at least minChunk long, and waits for all of them.
func (d *Device) parallel(n, minChunk int, fn func(lo, hi int)) {
	chunks := d.threads
	if minChunk < 1 {
		minChunk = 1
	}
	if c := n / minChunk; c < chunks {
		chunks = c
	}
	if chunks <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(chunks - 1)
	for c := 1; c < chunks; c++ {
		lo, hi := n*c/chunks, n*(c+1)/chunks
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, n/chunks)
	wg.Wait()
}
