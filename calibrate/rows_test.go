package calibrate

import "testing"

func TestRowsOf(t *testing.T) {
	for _, tc := range []struct{ n, limit, want int }{
		{113, 1 << 20, 112}, // a probe's row count: whole groups of 16
		{5, 1 << 20, 16},    // at least one group
		{0, 100, 16},
		{1000, 100, 96}, // capped, then rounded down
		{3, 4, 3},       // a limit under one group: as asked
		{0, 4, 1},
		{12, 12, 12},
		{16, 16, 16},
	} {
		if got := rowsOf(tc.n, tc.limit); got != tc.want {
			t.Errorf("rowsOf(%d, %d) = %d, want %d", tc.n, tc.limit, got, tc.want)
		}
	}
}
