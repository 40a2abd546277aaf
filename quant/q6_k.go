package quant

// Block Q6_K (210 bytes, 256 elements), ggml's block_q6_K:
//
//	bytes 0-127   ql: the low 4 bits; in 128-element half h, byte l (0..63)
//	              of its 64 bytes holds element 128h+l in its low nibble and
//	              128h+64+l in its high nibble
//	bytes 128-191 qh: the high 2 bits; in half h, byte l (0..31) of its 32
//	              bytes holds elements 128h+l, +32, +64, +96 in bits 0-1,
//	              2-3, 4-5, 6-7
//	bytes 192-207 scales: 16 int8 scales, one per 16 elements
//	bytes 208-209 d: super-block scale, half
//
// Element value: d * scale * (q - 32).

// quantQ6_K is quantize_row_q6_K_ref.
func quantQ6_K(dst []byte, x []float32) {
	_ = dst[209]
	var L [qkK]int8
	var scales [qkK / 16]float32
	var maxScale, maxAbsScale float32
	for ib := range qkK / 16 {
		scales[ib] = makeQXQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
		if a := abs32(scales[ib]); a > maxAbsScale {
			maxAbsScale, maxScale = a, scales[ib]
		}
	}
	if maxAbsScale < groupMaxEps {
		clear(dst[:210])
		return
	}
	iscale := -128 / maxScale
	putF16(dst[208:], 1/iscale)
	sc := dst[192:208]
	for ib := range qkK / 16 {
		sc[ib] = uint8(int8(min(127, nearestInt(fmul(iscale, scales[ib])))))
	}
	dAll := f16At(dst[208:])
	for j := range qkK / 16 {
		d := fmul(dAll, float32(int8(sc[j])))
		if d == 0 {
			continue
		}
		for ii := range 16 {
			l := max(-32, min(31, nearestInt(x[16*j+ii]/d)))
			L[16*j+ii] = int8(l + 32)
		}
	}
	ql, qh := dst[0:128], dst[128:192]
	for h := range 2 {
		Lh := L[128*h : 128*h+128]
		for l := range 32 {
			q1, q2 := uint8(Lh[l])&0xf, uint8(Lh[l+32])&0xf
			q3, q4 := uint8(Lh[l+64])&0xf, uint8(Lh[l+96])&0xf
			ql[64*h+l] = q1 | q3<<4
			ql[64*h+l+32] = q2 | q4<<4
			qh[32*h+l] = uint8(Lh[l])>>4 | uint8(Lh[l+32])>>4<<2 | uint8(Lh[l+64])>>4<<4 | uint8(Lh[l+96])>>4<<6
		}
	}
}

// q6KValues writes the 256 levels (q-32, -32..31) of a Q6_K block into a.
func q6KValues(wb []byte, a *[qkK]int8) {
	ql, qh := wb[0:128], wb[128:192]
	for h := range 2 {
		for l := range 32 {
			lo, hi, b := ql[64*h+l], ql[64*h+l+32], qh[32*h+l]
			a[128*h+l] = int8(lo&0xf|(b>>0&3)<<4) - 32
			a[128*h+l+32] = int8(hi&0xf|(b>>2&3)<<4) - 32
			a[128*h+l+64] = int8(lo>>4|(b>>4&3)<<4) - 32
			a[128*h+l+96] = int8(hi>>4|(b>>6&3)<<4) - 32
		}
	}
}

func dequantQ6_K(dst []float32, src []byte) {
	_ = src[209]
	d := f16At(src[208:])
	var a [qkK]int8
	q6KValues(src, &a)
	for p := range qkK {
		dst[p] = fmul(fmul(d, float32(int8(src[192+p/16]))), float32(a[p]))
	}
}

// dotQ6_K is ggml_vec_dot_q6_K_q8_K_generic.
func dotQ6_K(nb int, w, x []byte) float32 {
	var sums [8]float32
	var a [qkK]int8
	for i := range nb {
		wb, xb := w[210*i:210*i+210], x[292*i:292*i+292]
		yd, q8, _ := q8KAt(xb)
		q6KValues(wb, &a)
		var aux32 [8]int32
		for p := range qkK {
			aux32[p%8] += int32(int8(wb[192+p/16])) * (int32(int8(q8[p])) * int32(a[p]))
		}
		d := fmul(f16At(wb[208:]), yd)
		for l := range 8 {
			sums[l] += fmul(d, float32(aux32[l]))
		}
	}
	var sumf float32
	for l := range 8 {
		sumf += sums[l]
	}
	return sumf
}
