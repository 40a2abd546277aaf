package backend

import "testing"

func TestTableCap(t *testing.T) {
	for _, tc := range []struct{ total, want int }{
		{0, 16}, {1, 16}, {16, 16}, {17, 32}, {32, 32}, {33, 64}, {1000, 1024}, {1024, 1024}, {1025, 2048},
	} {
		if got := TableCap(tc.total); got != tc.want {
			t.Errorf("TableCap(%d) = %d, want %d", tc.total, got, tc.want)
		}
	}
}
