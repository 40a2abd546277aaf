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

//go:noescape
func q8Q4ActAVX512(dst *byte, src *float32, nb int, ds *float32, bias *int32, dh *float32)

// q8Q4ActVector is q8BlocksVector that also writes each block's F16 scale
// into dst and sets bias[b] and dh[b] as fillQ4Act does: one pass for a
// repacked Q4_0 product's activations.
func q8Q4ActVector(dst []byte, src []float32, ds []float32, bias []int32, dh []float32) {
	nb := len(ds)
	if nb == 0 {
		return
	}
	_ = dst[nb*q8Block-1]
	_ = src[nb*32-1]
	_, _ = bias[nb-1], dh[nb-1]
	q8Q4ActAVX512(&dst[0], &src[0], nb, &ds[0], &bias[0], &dh[0])
}
