//go:build amd64 && gc && !purego

package cpu

//go:noescape
func foldClear16AVX512(o *float32, acc *float32, stride int, blocks int)

// foldClearFast is foldClear's vector path: foldLanes and the clearing of
// the rows for a one-token step that has used at most 16 lane rows of hd
// a multiple of 16 (acc's rows from used on being zero). It reports
// whether it did the work.
func foldClearFast(o, acc []float32, hd, rows, used int) bool {
	if !useAVX512 || rows != vecStep || used > foldFastRows || hd <= 0 || hd%16 != 0 {
		return false
	}
	_ = acc[foldFastRows*hd-1]
	_ = o[hd-1]
	foldClear16AVX512(&o[0], &acc[0], 4*hd, hd/16)
	return true
}
