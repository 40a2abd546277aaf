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
	if _, err := RoundTrip(context.Background(), 0, time.Second); err == nil {
		t.Error("0 bounces: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if runtime.GOMAXPROCS(0) >= 2 {
		if _, err := RoundTrip(ctx, 1<<40, time.Minute); err == nil {
			t.Error("canceled context: no error")
		}
	}
	// a limit too short for the bounces ends the measure with an error
	if runtime.GOMAXPROCS(0) >= 2 {
		if _, err := RoundTrip(context.Background(), 1<<40, 10*time.Millisecond); err == nil {
			t.Error("2^40 bounces in 10 ms: no error")
		}
	}
}
