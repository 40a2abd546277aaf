package cuda

import "testing"

// TestMMASplit needs no GPU: splits cover k exactly, leave no split empty,
// and appear only when the tiles alone are too few.
func TestMMASplit(t *testing.T) {
	for _, tc := range []struct{ tiles, nk, sms, splits int }{
		{16, 64, 132, 16}, {512, 64, 132, 1}, {128, 64, 132, 2}, {16, 3, 132, 1}, {10, 70, 132, 14}, {1, 1, 132, 1}, {264, 448, 132, 1},
	} {
		ktiles, splits := mmaSplit(tc.tiles, tc.nk, tc.sms)
		if splits != tc.splits {
			t.Errorf("mmaSplit(%d, %d, %d) = %d splits, want %d", tc.tiles, tc.nk, tc.sms, splits, tc.splits)
		}
		if ktiles*splits < tc.nk || ktiles*(splits-1) >= tc.nk {
			t.Errorf("mmaSplit(%d, %d, %d) = %d splits of %d k-tiles: not a cover of %d", tc.tiles, tc.nk, tc.sms, splits, ktiles, tc.nk)
		}
	}
}
