package calibrate

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/device"
)

// TestSpinHelper is not a test: run by TestContention as another process,
// it keeps one CPU busy until killed.
func TestSpinHelper(t *testing.T) {
	if os.Getenv("TERN_CALIBRATE_SPIN") != "1" {
		t.Skip("helper process of TestContention")
	}
	for x := uint64(1); ; x = x*6364136223846793005 + 1 {
		if x == 0 {
			return
		}
	}
}

// TestContention checks that another process's busy CPU is seen: one core
// kept busy for 400 ms is at least half of 1/NumCPU of the machine's time
// (other load only adds to it).
func TestContention(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("contention is read from /proc/stat on Linux only")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpinHelper$")
	cmd.Env = append(os.Environ(), "TERN_CALIBRATE_SPIN=1")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a helper process: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	time.Sleep(100 * time.Millisecond) // let it start spinning
	watch := watchContention()
	time.Sleep(400 * time.Millisecond)
	if got, want := watch(), 0.5/float64(runtime.NumCPU()); got < want {
		t.Errorf("contention %.3f with a busy process beside, want at least %.3f", got, want)
	}
}

// TestContendedNotCached: a calibration taken while other processes used
// the CPU is returned with ErrContended and measured again next time.
func TestContendedNotCached(t *testing.T) {
	d := &contended{share: 0.6}
	info := &device.Device{Name: "cpu", Kind: backend.CPU, Model: "Fake CPU"}
	c := Cache{Dir: t.TempDir()}
	for i := 1; i <= 2; i++ {
		p, err := c.Get(context.Background(), d, info, false, Options{})
		if !errors.Is(err, ErrContended) || p == nil || d.calls != i {
			t.Fatalf("Get %d: %v, profile %v, %d calibrations", i, err, p != nil, d.calls)
		}
	}
	d.share = 0.1
	if _, err := c.Get(context.Background(), d, info, false, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), d, info, false, Options{}); err != nil || d.calls != 3 {
		t.Fatalf("a quiet calibration was not cached: %d calibrations, %v", d.calls, err)
	}
}

// contended measures itself and reports share as its contention.
type contended struct {
	backend.Device
	share float64
	calls int
}

func (c *contended) Name() string       { return "cpu" }
func (c *contended) Kind() backend.Kind { return backend.CPU }
func (c *contended) Calibrate(context.Context, Options) (*Profile, error) {
	c.calls++
	return &Profile{Bandwidth: 2e10, Contention: c.share, MatVec: map[string]float64{"Q4_0": 1e10}}, nil
}
