package plan

import (
	"reflect"
	"testing"
)

func TestParseLimits(t *testing.T) {
	tests := []struct {
		in   string
		want Limits
		ok   bool
	}{
		{"", Limits{}, true},
		{"8GiB", Limits{Total: 8 << 30}, true},
		{"300MiB", Limits{Total: 300 << 20}, true},
		{"1.5G", Limits{Total: 3 << 29}, true},
		{"2GB", Limits{Total: 2e9}, true},
		{"4096", Limits{Total: 4096}, true},
		{"cpu=8GiB,cuda0=20GiB", Limits{Device: map[string]uint64{"cpu": 8 << 30, "cuda0": 20 << 30}}, true},
		{" 16GiB , cuda0 = 4GiB ", Limits{Total: 16 << 30, Device: map[string]uint64{"cuda0": 4 << 30}}, true},
		{"8GiB,4GiB", Limits{}, false},
		{"cpu=1GiB,cpu=2GiB", Limits{}, false},
		{"=1GiB", Limits{}, false},
		{"8 parsecs", Limits{}, false},
		{"GiB", Limits{}, false},
		{"0", Limits{}, false},
		{"-1GiB", Limits{}, false},
		{"1.2.3GiB", Limits{}, false},
		{"99999999TiB", Limits{}, false},
	}
	for _, tc := range tests {
		got, err := ParseLimits(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseLimits(%q) error %v, want ok %v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseLimits(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestLimitsString(t *testing.T) {
	for _, in := range []string{"8GiB", "cpu=8GiB,cuda0=20GiB", "300MiB,cuda0=1.5GiB"} {
		l, err := ParseLimits(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.String(); got != in {
			t.Errorf("%q reads back as %q", in, got)
		}
		again, err := ParseLimits(l.String())
		if err != nil || !reflect.DeepEqual(again, l) {
			t.Errorf("%q does not round-trip: %+v, %v", in, again, err)
		}
	}
}
