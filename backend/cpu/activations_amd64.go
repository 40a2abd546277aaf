//go:build amd64 && gc && !purego

package cpu

//go:noescape
func q8BlocksAVX512(dst *byte, src *float32, nb int, ds *float32)

func hasQ8Vector() bool { return useAVX512 }

// q8BlocksVector quantizes len(ds) blocks of src into dst's Q8_0 blocks,
// quants only, and sets ds[b] to block b's scale amax/127 as float32.
func q8BlocksVector(dst []byte, src []float32, ds []float32) {
	nb := len(ds)
	if nb == 0 {
		return
	}
	_ = dst[nb*q8Block-1]
	_ = src[nb*32-1]
	q8BlocksAVX512(&dst[0], &src[0], nb, &ds[0])
}
