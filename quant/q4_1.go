package quant

import "math"

// Block Q4_1 (20 bytes, 32 elements), ggml's block_q4_1:
//
//	bytes 0-1   d: scale, half
//	bytes 2-3   m: minimum, half
//	bytes 4-19  qs: 16 bytes of 4-bit values; byte j holds element j in its
//	            low nibble and element j+16 in its high nibble
//
// Element value: d*q + m.

// quantQ4_1 is quantize_row_q4_1_ref: m = min, d = (max-min)/15,
// q = min(15, trunc((x-m)/d + 0.5)).
func quantQ4_1(dst []byte, src []float32) {
	_ = dst[19]
	vmin, vmax := float32(math.MaxFloat32), float32(-math.MaxFloat32)
	for _, v := range src[:32] {
		if v < vmin {
			vmin = v
		}
		if v > vmax {
			vmax = v
		}
	}
	d := (vmax - vmin) / 15
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(dst, d)
	putF16(dst[2:], vmin)
	for j := range 16 {
		x0 := float32((src[j] - vmin) * id)
		x1 := float32((src[16+j] - vmin) * id)
		q0 := min(15, uint8(int8(x0+0.5)))
		q1 := min(15, uint8(int8(x1+0.5)))
		dst[4+j] = q0 | q1<<4
	}
}

func dequantQ4_1(dst []float32, src []byte) {
	_ = src[19]
	d, m := f16At(src), f16At(src[2:])
	for j := range 16 {
		dst[j] = float32(float32(src[4+j]&0x0f)*d) + m
		dst[16+j] = float32(float32(src[4+j]>>4)*d) + m
	}
}

// dotQ4_1 is ggml_vec_dot_q4_1_q8_1_generic: the minimum meets Q8_1's s.
func dotQ4_1(nb int, w, x []byte) float32 {
	var sumf float32
	for i := range nb {
		wb, xb := w[20*i:20*i+20], x[36*i:36*i+36]
		var sumi0, sumi1 int32
		for j := range 16 {
			sumi0 += int32(wb[4+j]&0x0f) * int32(int8(xb[4+j]))
			sumi1 += int32(wb[4+j]>>4) * int32(int8(xb[4+16+j]))
		}
		a := float32(float32(f16At(wb)*f16At(xb)) * float32(sumi0+sumi1))
		b := float32(f16At(wb[2:]) * f16At(xb[2:]))
		sumf += a + b
	}
	return sumf
}
