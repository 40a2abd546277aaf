package quant

// Block Q2_K (84 bytes, 256 elements), ggml's block_q2_K:
//
//	bytes 0-15   scales: per 16-element sub-block, low nibble the scale,
//	             high nibble the minimum (4 bits each)
//	bytes 16-79  qs: 2-bit values; in each 128-element half h, byte l (0..31)
//	             of its 32 bytes holds elements 128h+l, +32, +64, +96 in
//	             bits 0-1, 2-3, 4-5, 6-7
//	bytes 80-81  d: super-block scale of the scales, half
//	bytes 82-83  dmin: super-block scale of the minimums, half
//
// Element value: d*scale*q - dmin*min.

// quantQ2_K is quantize_row_q2_K_ref.
func quantQ2_K(dst []byte, x []float32) {
	_ = dst[83]
	var L [qkK]uint8
	var laux [16]uint8
	var weights [16]float32
	var scales, mins [qkK / 16]float32
	const q4scale = 15
	var maxScale, maxMin float32
	for j := range qkK / 16 {
		xs := x[16*j : 16*j+16]
		for l, v := range xs {
			weights[l] = abs32(v)
		}
		scales[j], mins[j] = makeQKX2Quants(3, xs, weights[:], L[16*j:16*j+16], laux[:], -0.5, 0.1, 15, true)
		maxScale = max(maxScale, scales[j])
		maxMin = max(maxMin, mins[j])
	}
	sc := dst[0:16]
	if maxScale > 0 {
		iscale := q4scale / maxScale
		for j := range qkK / 16 {
			sc[j] = uint8(nearestInt(fmul(iscale, scales[j])))
		}
		putF16(dst[80:], maxScale/q4scale)
	} else {
		clear(sc)
		putF16(dst[80:], 0)
	}
	if maxMin > 0 {
		iscale := q4scale / maxMin
		for j := range qkK / 16 {
			sc[j] |= uint8(nearestInt(fmul(iscale, mins[j])) << 4)
		}
		putF16(dst[82:], maxMin/q4scale)
	} else {
		putF16(dst[82:], 0)
	}
	dAll, dMin := f16At(dst[80:]), f16At(dst[82:])
	for j := range qkK / 16 {
		d := fmul(dAll, float32(sc[j]&0xf))
		if d == 0 {
			continue
		}
		dm := fmul(dMin, float32(sc[j]>>4))
		for ii := range 16 {
			L[16*j+ii] = uint8(max(0, min(3, nearestInt((x[16*j+ii]+dm)/d))))
		}
	}
	pack2Bits(dst[16:80], L[:])
}

// pack2Bits stores 256 2-bit values as Q2_K and Q3_K do: per 128-element
// half, byte l holds elements l, l+32, l+64, l+96 from the low bits up.
func pack2Bits(qs []byte, L []uint8) {
	for j := 0; j < qkK; j += 128 {
		for l := range 32 {
			qs[j/4+l] = L[j+l] | L[j+l+32]<<2 | L[j+l+64]<<4 | L[j+l+96]<<6
		}
	}
}

func dequantQ2_K(dst []float32, src []byte) {
	_ = src[83]
	d, dmin := f16At(src[80:]), f16At(src[82:])
	sc := src[0:16]
	y := dst[:qkK]
	for half := range 2 {
		q := src[16+32*half : 16+32*half+32]
		for j := range 4 {
			shift := 2 * j
			for k := range 2 { // sub-blocks of 16 bytes
				s := sc[8*half+2*j+k]
				dl, ml := fmul(d, float32(s&0xf)), fmul(dmin, float32(s>>4))
				for l := range 16 {
					y[l] = fmul(dl, float32(q[16*k+l]>>shift&3)) - ml
				}
				y = y[16:]
			}
		}
	}
}

// dotQ2_K is ggml_vec_dot_q2_K_q8_K_generic.
func dotQ2_K(nb int, w, x []byte) float32 {
	var sumf float32
	for i := range nb {
		wb, xb := w[84*i:84*i+84], x[292*i:292*i+292]
		yd, q8, bsums := q8KAt(xb)
		sc := wb[0:16]
		var summs int32
		for j := range 16 {
			summs += bsum(bsums, j) * int32(sc[j]>>4)
		}
		dall := fmul(yd, f16At(wb[80:]))
		dmin := fmul(yd, f16At(wb[82:]))
		var isum int32
		for half := range 2 {
			q2 := wb[16+32*half : 16+32*half+32]
			for j := range 4 {
				shift := 2 * j
				for k := range 2 {
					var isuml int32
					for l := 16 * k; l < 16*k+16; l++ {
						isuml += int32(int8(q8[128*half+32*j+l])) * int32(q2[l]>>shift&3)
					}
					isum += int32(sc[8*half+2*j+k]&0xf) * isuml
				}
			}
		}
		sumf += fmul(dall, float32(isum)) - fmul(dmin, float32(summs))
	}
	return sumf
}
