package calibrate

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

// RoundTrip measures how long a cache line takes to go from one thread to
// another and back: two goroutines, each locked to its thread, hand a
// counter back and forth bounces times after a first bounce that waits
// for the second goroutine to start, and the mean round trip is returned.
// On a virtual machine the answer moves with where the host puts the two
// vCPUs: on the 2-core development host, 56–105 ns at the minutes they
// share a core's path to memory and 321–377 ns at those they do not
// (bench/cpu-21-22.md, session 22), and what a parallel op pays between its
// participants moves with it. It gives up after limit (a thread
// descheduled for long, or one CPU to run both).
func RoundTrip(ctx context.Context, bounces int, limit time.Duration) (time.Duration, error) {
	if bounces < 1 || int64(bounces) > 1<<40 {
		return 0, fmt.Errorf("calibrate: round trip: %d bounces", bounces)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		return 0, fmt.Errorf("calibrate: round trip: one thread runs Go code at a time (GOMAXPROCS 1)")
	}
	var line struct {
		_    [64]byte
		turn atomic.Int64 // odd: the other thread's turn
		stop atomic.Bool
		_    [64]byte
	}
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(done)
		for i := int64(1); i < 2*int64(bounces+1); i += 2 {
			for line.turn.Load() != i {
				if line.stop.Load() {
					return
				}
			}
			line.turn.Store(i + 1)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	var err error
	spins := 0 // waiting checks and bounces: every 1024th looks at the clock and ctx
	tick := func() bool {
		if spins++; err != nil || spins&(1<<10-1) != 0 {
			return err != nil
		}
		if time.Since(start) > limit {
			err = fmt.Errorf("calibrate: round trip: %d bounces not done in %v", bounces, limit)
		} else {
			err = ctx.Err()
		}
		return err != nil
	}
	var t0 time.Time // after the first bounce
	for i := int64(0); i < 2*int64(bounces+1) && !tick(); i += 2 {
		if i == 2 {
			t0 = time.Now()
		}
		line.turn.Store(i + 1)
		for line.turn.Load() != i+2 && !tick() {
		}
	}
	took := time.Since(t0)
	line.stop.Store(true)
	<-done
	if err != nil {
		return 0, err
	}
	return took / time.Duration(bounces), nil
}
