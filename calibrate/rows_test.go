package calibrate

import "testing"

func TestRowsOf(t *testing.T) {
	for _, tc := range []struct{ n, limit, want int }{
		{113, 1 << 20, 112}, // a probe's row count: whole groups of 8
		{5, 1 << 20, 8},     // at least one group
		{0, 100, 8},
		{1000, 100, 96}, // capped, then rounded down
		{3, 4, 3},       // a limit under one group: as asked
		{0, 4, 1},
		{16, 16, 16},
	} {
		if got := rowsOf(tc.n, tc.limit); got != tc.want {
			t.Errorf("rowsOf(%d, %d) = %d, want %d", tc.n, tc.limit, got, tc.want)
		}
	}
}
