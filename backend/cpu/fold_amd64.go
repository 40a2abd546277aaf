//go:build amd64 && gc && !purego

package cpu

//go:noescape
func foldClear16AVX512(o *float32, acc *float32, stride int, blocks int)

//go:noescape
func foldClear32AVX512(o *float32, acc *float32, stride int, blocks int, plus int)

//go:noescape
func foldClear64AVX512(o *float32, acc *float32, stride int, blocks int, plus int)

// foldClearFast is foldClear's vector path: foldLanes and the clearing of
// the rows for a one-token step's 64 lane rows of hd a multiple of 16
// (acc's rows from used on being zero), folding the first 16, 32 or all
// 64 as used needs. It reports whether it did the work.
func foldClearFast(o, acc []float32, hd, rows, used int) bool {
	if !useAVX512 || rows != vecStep || used > rows || hd <= 0 || hd%16 != 0 {
		return false
	}
	_ = acc[rows*hd-1]
	_ = o[hd-1]
	plus := 0
	if used < rows {
		plus = 1
	}
	switch {
	case used <= foldFastRows:
		foldClear16AVX512(&o[0], &acc[0], 4*hd, hd/16)
	case used <= 2*foldFastRows:
		foldClear32AVX512(&o[0], &acc[0], 4*hd, hd/16, plus)
	default:
		foldClear64AVX512(&o[0], &acc[0], 4*hd, hd/16, plus)
	}
	return true
}
