package modelgen

import (
	"context"
	"io"
	"runtime"
	"sync"
)

// chunkBytes is the output size of one unit of work: large enough that the
// hand-off between goroutines costs nothing next to it, small enough that a
// window of them per worker is a few MiB.
const chunkBytes = 1 << 20

// windowPerWorker is how many chunks per worker may be in flight (being
// computed or waiting to be written in order), so that a slow chunk does
// not stall the others.
const windowPerWorker = 2

// workerCount is threads, or one per CPU when threads is 0 or less.
func workerCount(threads int) int {
	if threads > 0 {
		return threads
	}
	return runtime.GOMAXPROCS(0)
}

// writeRows writes rows rows of rowBytes bytes each to out, in order. The
// rows are computed in chunks by workers goroutines: fill(state, r0, dst)
// writes rows r0, r0+1, … into dst (len(dst)/rowBytes of them), with a
// state of its own per goroutine (made by newState) for scratch space.
// The first error of fill or of out stops the work and is returned.
func writeRows[S any](ctx context.Context, out io.Writer, rows, rowBytes, workers int,
	newState func() S, fill func(st S, r0 int, dst []byte) error) error {
	if rows == 0 {
		return nil
	}
	chunkRows := max(1, chunkBytes/max(rowBytes, 1))
	workers = max(1, min(workers, (rows+chunkRows-1)/chunkRows))
	window := workers * windowPerWorker

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		r0   int
		buf  []byte
		done chan error
	}
	free := make(chan []byte, window)
	for range window {
		free <- nil // allocated on first use
	}
	order := make(chan *job, window)
	jobs := make(chan *job, window)

	go func() { // dispatcher: hands out chunks while buffers are free
		defer close(order)
		defer close(jobs)
		for r0 := 0; r0 < rows; r0 += chunkRows {
			var buf []byte
			select {
			case buf = <-free:
			case <-ctx.Done():
				return
			}
			n := min(chunkRows, rows-r0)
			if cap(buf) < n*rowBytes {
				buf = make([]byte, chunkRows*rowBytes)
			}
			j := &job{r0: r0, buf: buf[:n*rowBytes], done: make(chan error, 1)}
			order <- j // never blocks: at most window jobs exist
			jobs <- j
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := newState()
			for j := range jobs {
				if err := ctx.Err(); err != nil {
					j.done <- err
					continue
				}
				j.done <- fill(st, j.r0, j.buf)
			}
		}()
	}

	var first error
	for j := range order {
		err := <-j.done
		if err == nil && first == nil {
			_, err = out.Write(j.buf)
		}
		if err != nil && first == nil {
			first = err
			cancel()
		}
		free <- j.buf // never blocks: the buffer came from free
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
