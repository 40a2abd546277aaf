package quant

import (
	"encoding/binary"
	"math"
)

// Block Q5_1 (24 bytes, 32 elements), ggml's block_q5_1:
//
//	bytes 0-1   d: scale, half
//	bytes 2-3   m: minimum, half
//	bytes 4-7   qh: uint32 little-endian, bit j is the fifth bit of element j
//	bytes 8-23  qs: 16 bytes; byte j holds the low 4 bits of element j in its
//	            low nibble and of element j+16 in its high nibble
//
// Element value: d*q + m.

// quantQ5_1 is quantize_row_q5_1_ref: as Q4_1 with 5 bits, d = (max-min)/31.
func quantQ5_1(dst []byte, src []float32) {
	_ = dst[23]
	vmin, vmax := float32(math.MaxFloat32), float32(-math.MaxFloat32)
	for _, v := range src[:32] {
		if v < vmin {
			vmin = v
		}
		if v > vmax {
			vmax = v
		}
	}
	d := (vmax - vmin) / 31
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(dst, d)
	putF16(dst[2:], vmin)
	var qh uint32
	for j := range 16 {
		x0 := float32((src[j] - vmin) * id)
		x1 := float32((src[16+j] - vmin) * id)
		q0 := uint8(x0 + 0.5)
		q1 := uint8(x1 + 0.5)
		dst[8+j] = q0&0x0f | (q1&0x0f)<<4
		qh |= uint32(q0>>4&1) << j
		qh |= uint32(q1>>4&1) << (j + 16)
	}
	binary.LittleEndian.PutUint32(dst[4:], qh)
}

func dequantQ5_1(dst []float32, src []byte) {
	_ = src[23]
	d, m := f16At(src), f16At(src[2:])
	qh := binary.LittleEndian.Uint32(src[4:])
	for j := range 16 {
		q0 := uint32(src[8+j]&0x0f) | (qh>>j&1)<<4
		q1 := uint32(src[8+j]>>4) | (qh>>(j+16)&1)<<4
		dst[j] = float32(float32(q0)*d) + m
		dst[16+j] = float32(float32(q1)*d) + m
	}
}

// dotQ5_1 is ggml_vec_dot_q5_1_q8_1_generic.
func dotQ5_1(nb int, w, x []byte) float32 {
	var sumf float32
	for i := range nb {
		wb, xb := w[24*i:24*i+24], x[36*i:36*i+36]
		qh := binary.LittleEndian.Uint32(wb[4:])
		var sumi0, sumi1 int32
		for j := range 16 {
			v0 := int32(wb[8+j]&0x0f) | int32(qh>>j&1)<<4
			v1 := int32(wb[8+j]>>4) | int32(qh>>(j+16)&1)<<4
			sumi0 += v0 * int32(int8(xb[4+j]))
			sumi1 += v1 * int32(int8(xb[4+16+j]))
		}
		a := float32(float32(f16At(wb)*f16At(xb)) * float32(sumi0+sumi1))
		b := float32(f16At(wb[2:]) * f16At(xb[2:]))
		sumf += a + b
	}
	return sumf
}
