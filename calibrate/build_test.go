package calibrate

import (
	"errors"
	"runtime/debug"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend/cpu"
)

func TestIdentity(t *testing.T) {
	t0 := time.Unix(1700000000, 5)
	rev := func(r, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "GOARCH", Value: "amd64"}, {Key: "vcs.revision", Value: r}, {Key: "vcs.modified", Value: modified}}
	}
	for _, c := range []struct {
		name     string
		settings []debug.BuildSetting
		size     int64
		mod      time.Time
		err      error
		want     string
	}{
		{"clean build: the revision alone", rev("abc123", "false"), 100, t0, nil, "rev=abc123"},
		{"changed tree: the executable too", rev("abc123", "true"), 100, t0, nil, "rev=abc123+modified exe=100@1700000000000000005"},
		{"no VCS: the executable", nil, 7, t0, nil, "rev= exe=7@1700000000000000005"},
		{"no VCS, no executable", nil, 0, time.Time{}, errors.New("no"), "rev= exe=unknown"},
	} {
		if got := identity(c.settings, c.size, c.mod, c.err); got != c.want {
			t.Errorf("%s: identity %q, want %q", c.name, got, c.want)
		}
	}
	// Rebuilding a changed tree (another size or time) changes the key:
	// the kernels may have changed.
	d := cpu.New(1)
	a := key(d, nil, identity(rev("abc", "true"), 100, t0, nil))
	b := key(d, nil, identity(rev("abc", "true"), 100, t0.Add(time.Second), nil))
	c := key(d, nil, identity(rev("abd", "false"), 100, t0, nil))
	if a == b || a == c || b == c {
		t.Errorf("keys %s %s %s do not follow the build", a, b, c)
	}
	if key(d, nil, "rev=x") != key(d, nil, "rev=x") || Key(d, nil) != key(d, nil, buildIdentity()) {
		t.Error("the key is not a function of the build")
	}
}

func TestFitLatency(t *testing.T) {
	for _, c := range []struct {
		name       string
		t1, t2     float64
		ops1, ops2 int
		step, op   float64
	}{
		// 10 µs a step, 1 µs an op: 49 and 151 ops.
		{"step and ops", 59e-6, 161e-6, 49, 151, 10e-6, 1e-6},
		{"no step cost", 49e-6, 151e-6, 49, 151, 0, 1e-6},
		{"noise: the deeper model no slower", 60e-6, 59e-6, 49, 151, 0, 59e-6 / 151},
		{"noise: a negative intercept", 40e-6, 151e-6, 49, 151, 0, 40e-6 / 49},
	} {
		step, op := fitLatency(c.t1, c.t2, c.ops1, c.ops2)
		if !near(step, c.step) || !near(op, c.op) {
			t.Errorf("%s: step %g op %g, want %g %g", c.name, step, op, c.step, c.op)
		}
	}
}

func near(a, b float64) bool { return a == b || (a-b)*(a-b) <= 1e-12*(a*a+b*b) }
