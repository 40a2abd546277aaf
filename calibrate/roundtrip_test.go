package calibrate

import (
	"context"
	"runtime"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one CPU")
	}
	rt, err := RoundTrip(context.Background(), 200, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// two line transfers take more than a nanosecond on any machine (how
	// long they take on a busy one has no bound worth testing)
	if rt < time.Nanosecond {
		t.Errorf("round trip %v", rt)
	}
}

func TestRoundTripGivesUp(t *testing.T) {
	ns := []int{0, -1}
	if big := int64(1)<<40 + 1; int64(int(big)) == big { // where int holds it
		ns = append(ns, int(big))
	}
	for _, n := range ns {
		if _, err := RoundTrip(context.Background(), n, time.Second); err == nil {
			t.Errorf("%d bounces: no error", n)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if runtime.GOMAXPROCS(0) >= 2 {
		if _, err := RoundTrip(ctx, 1<<30, time.Minute); err == nil {
			t.Error("canceled context: no error")
		}
	}
	// a limit too short for the bounces ends the measure with an error
	if runtime.GOMAXPROCS(0) >= 2 {
		if _, err := RoundTrip(context.Background(), 1<<30, 10*time.Millisecond); err == nil {
			t.Error("2^30 bounces in 10 ms: no error")
		}
	}
}
