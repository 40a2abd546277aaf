package quant

import "encoding/binary"

// Block Q5_0 (22 bytes, 32 elements), ggml's block_q5_0:
//
//	bytes 0-1   d: scale, half
//	bytes 2-5   qh: uint32 little-endian, bit j is the fifth bit of element j
//	bytes 6-21  qs: 16 bytes; byte j holds the low 4 bits of element j in its
//	            low nibble and of element j+16 in its high nibble
//
// Element value: d * (q - 16).

// quantQ5_0 is quantize_row_q5_0_ref: as Q4_0 with 5 bits, d = -max/16.
func quantQ5_0(dst []byte, src []float32) {
	_ = dst[21]
	var amax, vmax float32
	for _, v := range src[:32] {
		if amax < abs32(v) {
			amax, vmax = abs32(v), v
		}
	}
	d := vmax / -16
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(dst, d)
	var qh uint32
	for j := range 16 {
		x0 := float32(src[j] * id)
		x1 := float32(src[16+j] * id)
		q0 := min(31, uint8(int8(x0+16.5)))
		q1 := min(31, uint8(int8(x1+16.5)))
		dst[6+j] = q0&0x0f | (q1&0x0f)<<4
		qh |= uint32(q0>>4&1) << j
		qh |= uint32(q1>>4&1) << (j + 16)
	}
	binary.LittleEndian.PutUint32(dst[2:], qh)
}

func dequantQ5_0(dst []float32, src []byte) {
	_ = src[21]
	d := f16At(src)
	qh := binary.LittleEndian.Uint32(src[2:])
	for j := range 16 {
		h0 := int(qh>>j&1) << 4
		h1 := int(qh>>(j+16)&1) << 4
		dst[j] = float32(int(src[6+j]&0x0f)|h0-16) * d
		dst[16+j] = float32(int(src[6+j]>>4)|h1-16) * d
	}
}

// dotQ5_0 is ggml_vec_dot_q5_0_q8_0_generic.
func dotQ5_0(nb int, w, x []byte) float32 {
	var sumf float32
	for i := range nb {
		wb, xb := w[22*i:22*i+22], x[34*i:34*i+34]
		qh := binary.LittleEndian.Uint32(wb[2:])
		var sumi0, sumi1 int32
		for j := range 16 {
			v0 := int32(wb[6+j]&0x0f) | int32(qh>>j&1)<<4 - 16
			v1 := int32(wb[6+j]>>4) | int32(qh>>(j+16)&1)<<4 - 16
			sumi0 += v0 * int32(int8(xb[2+j]))
			sumi1 += v1 * int32(int8(xb[2+16+j]))
		}
		sumf += float32(float32(f16At(wb)*f16At(xb)) * float32(sumi0+sumi1))
	}
	return sumf
}
