package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/quant"
)

// TestDevices: `tern devices` prints a row for the CPU with its memory,
// the budget a limit allows, and the cached calibration; bad limits are
// usage errors.
func TestDevices(t *testing.T) {
	cases := []struct {
		args    []string
		code    int
		wantOut []*regexp.Regexp // on stdout
		wantErr string           // in stderr
	}{
		{[]string{"devices"}, exitOK, []*regexp.Regexp{
			regexp.MustCompile(`(?m)^device +kind +model +cores +memory total +free now +budget +bandwidth +op latency +calibration$`),
			regexp.MustCompile(`(?m)^cpu +cpu .* 20\.0 GB/s +3\.0 µs +measured$`), // testProfile's figures
			regexp.MustCompile(`(?m)^ +Q8_0 +10\.00 +100\.00 +0\.00$`),
		}, ""},
		{[]string{"devices", "--memory-limit", "300MiB"}, exitOK, []*regexp.Regexp{
			regexp.MustCompile(`(?m)^cpu +cpu .* 300MiB +20\.0 GB/s`),
		}, ""},
		{[]string{"devices", "--memory-limit", "cpu=1GiB"}, exitOK, []*regexp.Regexp{
			regexp.MustCompile(`(?m)^cpu +cpu .* 1GiB +20\.0 GB/s`),
		}, ""},
		{[]string{"devices", "--memory-limit", "12XB"}, exitUsage, nil, `unknown unit "XB"`},
		{[]string{"devices", "--memory-limit", "cuda9=1GiB"}, exitUsage, nil, `no device "cuda9" on this machine`},
		{[]string{"devices", "extra"}, exitUsage, nil, "want at most 0"},
	}
	for _, c := range cases {
		io, out, errb := testIO("")
		if code := Main(context.Background(), c.args, io); code != c.code {
			t.Errorf("%q: exit %d, want %d; stderr %q", c.args, code, c.code, errb.String())
			continue
		}
		for _, re := range c.wantOut {
			if !re.MatchString(out.String()) {
				t.Errorf("%q: stdout does not match %s:\n%s", c.args, re, out.String())
			}
		}
		if !strings.Contains(errb.String(), c.wantErr) {
			t.Errorf("%q: stderr %q, want it to contain %q", c.args, errb.String(), c.wantErr)
		}
		if c.code == exitOK && strings.Contains(errb.String(), "calibrating") {
			t.Errorf("%q calibrated with a cached profile: %q", c.args, errb.String())
		}
	}
}

// TestDevicesCalibrate: with an empty cache the first `tern devices`
// calibrates, showing progress on stderr, and caches the result; the next
// one reads the cache; --calibrate measures again. The calibration is
// made small (one format, short steps) to keep the test fast.
func TestDevicesCalibrate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	t.Setenv("HOME", dir)
	saved := calibration
	defer func() { calibration = saved }()
	calibration = calibrate.Options{Formats: []quant.Type{quant.F32}, Step: 2 * time.Millisecond, MaxContention: 1,
		MatVecBytes: 256 << 10, BandwidthBytes: 256 << 10}

	missing := filepath.Join(dir, "missing.gguf")
	cases := []struct {
		args      []string
		code      int
		calibrate bool
	}{
		// A missing model is reported before any calibration.
		{[]string{"run", missing, "hi"}, exitError, false},
		{[]string{"plan", missing}, exitError, false},
		{[]string{"devices"}, exitOK, true},
		{[]string{"devices"}, exitOK, false},
		{[]string{"devices", "--calibrate"}, exitOK, true},
	}
	for i, c := range cases {
		io, out, errb := testIO("")
		if code := Main(context.Background(), c.args, io); code != c.code {
			t.Fatalf("run %d %q: exit %d, want %d; stderr %q", i, c.args, code, c.code, errb.String())
		}
		calibrated := strings.Contains(errb.String(), "tern: calibrating cpu") &&
			strings.Contains(errb.String(), "tern: calibrated cpu in")
		if calibrated != c.calibrate {
			t.Errorf("run %d %q: calibrated %v, want %v; stderr %q", i, c.args, calibrated, c.calibrate, errb.String())
		}
		if c.code == exitOK && !regexp.MustCompile(`(?m)^cpu +cpu .* GB/s +[0-9.]+ µs +measured$`).MatchString(out.String()) {
			t.Errorf("run %d %q: no measured CPU row:\n%s", i, c.args, out.String())
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "tern", "calibration", "cpu-*.json"))
	if err != nil || len(files) != 1 {
		t.Errorf("cached calibrations %q (%v), want one", files, err)
	}
}
