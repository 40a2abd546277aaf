package quant

import (
	"encoding/binary"
	"math"
)

// Block Q8_K (292 bytes, 256 elements), ggml's block_q8_K, the activation
// type of the K-quant and ternary dot products:
//
//	bytes 0-3     d: scale, float32 (not a half)
//	bytes 4-259   qs: 256 int8 values; element j is d*qs[j]
//	bytes 260-291 bsums: 16 int16, the sum of each 16 consecutive qs

// quantQ8_K is quantize_row_q8_K_ref: the value of largest magnitude maps to
// -127 (d = -max/127), q = min(127, round(x/d)).
func quantQ8_K(dst []byte, x []float32) {
	_ = dst[291]
	var vmax, amax float32
	for _, v := range x[:qkK] {
		if ax := abs32(v); ax > amax {
			amax, vmax = ax, v
		}
	}
	if amax == 0 {
		clear(dst[:292])
		return
	}
	iscale := -127 / vmax
	qs := dst[4 : 4+qkK]
	for j, v := range x[:qkK] {
		qs[j] = uint8(int8(min(127, nearestInt(fmul(iscale, v)))))
	}
	for j := range qkK / 16 {
		var sum int
		for _, q := range qs[16*j : 16*j+16] {
			sum += int(int8(q))
		}
		binary.LittleEndian.PutUint16(dst[4+qkK+2*j:], uint16(int16(sum)))
	}
	binary.LittleEndian.PutUint32(dst, math.Float32bits(1/iscale))
}

func dequantQ8_K(dst []float32, src []byte) {
	d, qs, _ := q8KAt(src)
	for j := range dst[:qkK] {
		dst[j] = fmul(d, float32(int8(qs[j])))
	}
}
