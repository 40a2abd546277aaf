package quant

// Block Q4_0 (18 bytes, 32 elements), ggml's block_q4_0:
//
//	bytes 0-1   d: scale, half
//	bytes 2-17  qs: 16 bytes of 4-bit values; byte j holds element j in its
//	            low nibble and element j+16 in its high nibble
//
// Element value: d * (q - 8).

// quantQ4_0 is quantize_row_q4_0_ref: d = -max/8 where max is the value of
// largest magnitude (so it maps to -8 exactly), q = min(15, trunc(x/d + 8.5)).
func quantQ4_0(dst []byte, src []float32) {
	_ = dst[17]
	var amax, vmax float32
	for _, v := range src[:32] {
		if amax < abs32(v) {
			amax, vmax = abs32(v), v
		}
	}
	d := vmax / -8
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(dst, d)
	for j := range 16 {
		x0 := float32(src[j] * id)
		x1 := float32(src[16+j] * id)
		q0 := min(15, uint8(int8(x0+8.5)))
		q1 := min(15, uint8(int8(x1+8.5)))
		dst[2+j] = q0 | q1<<4
	}
}

func dequantQ4_0(dst []float32, src []byte) {
	_ = src[17]
	d := f16At(src)
	for j := range 16 {
		dst[j] = float32(int(src[2+j]&0x0f)-8) * d
		dst[16+j] = float32(int(src[2+j]>>4)-8) * d
	}
}

// dotQ4_0 is ggml_vec_dot_q4_0_q8_0_generic.
func dotQ4_0(nb int, w, x []byte) float32 {
	var sumf float32
	for i := range nb {
		wb, xb := w[18*i:18*i+18], x[34*i:34*i+34]
		var sumi0, sumi1 int32
		for j := range 16 {
			v0 := int32(wb[2+j]&0x0f) - 8
			v1 := int32(wb[2+j]>>4) - 8
			sumi0 += v0 * int32(int8(xb[2+j]))
			sumi1 += v1 * int32(int8(xb[2+16+j]))
		}
		sumf += float32(float32(float32(sumi0+sumi1)*f16At(wb)) * f16At(xb))
	}
	return sumf
}
