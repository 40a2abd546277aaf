//go:build !linux

package calibrate

import "os"

// dropCache cannot drop the page cache here: the cold figure may be warm.
func dropCache(*os.File, int64) {}
