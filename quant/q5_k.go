package quant

// Block Q5_K (176 bytes, 256 elements), ggml's block_q5_K:
//
//	bytes 0-1    d: super-block scale of the scales, half
//	bytes 2-3    dmin: super-block scale of the minimums, half
//	bytes 4-15   scales: as Q4_K's (scaleMinK4)
//	bytes 16-47  qh: the fifth bit; element 32b + l (b = 0..7) is bit b of byte l
//	bytes 48-175 qs: the low 4 bits, laid out as Q4_K's qs
//
// Element value: d*scale*q - dmin*min.

// quantQ5_K is quantize_row_q5_K_ref.
func quantQ5_K(dst []byte, x []float32) {
	_ = dst[175]
	var L [qkK]uint8
	var scales, mins [qkK / 32]float32
	quantKMinScales(x, 31, -0.5, 0.1, 15, L[:], scales[:], mins[:])
	packKMinScales(dst, scales[:], mins[:])
	requantKMin(dst, x, 31, L[:])
	qh, ql := dst[16:48], dst[48:176]
	clear(qh)
	for c := range 4 {
		m1, m2 := uint8(1)<<(2*c), uint8(2)<<(2*c)
		for j := range 32 {
			l1, l2 := L[64*c+j], L[64*c+32+j]
			if l1 > 15 {
				l1 -= 16
				qh[j] |= m1
			}
			if l2 > 15 {
				l2 -= 16
				qh[j] |= m2
			}
			ql[32*c+j] = l1 | l2<<4
		}
	}
}

// q5KValues writes the 256 levels (0..31) of a Q5_K block into a.
func q5KValues(wb []byte, a *[qkK]int8) {
	qh, ql := wb[16:48], wb[48:176]
	for c := range 4 {
		for l := range 32 {
			a[64*c+l] = int8(ql[32*c+l]&0xf | (qh[l]>>(2*c)&1)<<4)
			a[64*c+32+l] = int8(ql[32*c+l]>>4 | (qh[l]>>(2*c+1)&1)<<4)
		}
	}
}

func dequantQ5_K(dst []float32, src []byte) {
	_ = src[175]
	d, dmin := f16At(src[0:]), f16At(src[2:])
	var a [qkK]int8
	q5KValues(src, &a)
	for j := range 8 {
		sc, m := scaleMinK4(j, src[4:16])
		dl, ml := fmul(d, float32(sc)), fmul(dmin, float32(m))
		for l := 32 * j; l < 32*j+32; l++ {
			dst[l] = fmul(dl, float32(a[l])) - ml
		}
	}
}

// dotQ5_K is ggml_vec_dot_q5_K_q8_K_generic.
func dotQ5_K(nb int, w, x []byte) float32 { return dotKMin(nb, 176, w, x, q5KValues) }
