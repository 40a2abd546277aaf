package quant

// Block Q3_K (110 bytes, 256 elements), ggml's block_q3_K:
//
//	bytes 0-31    hmask: the high (third) bit of each value; element
//	              32*b + l (b = 0..7, l = 0..31) is bit b of byte l
//	bytes 32-95   qs: the low 2 bits, laid out as Q2_K's qs
//	bytes 96-107  scales: 16 6-bit signed scales (offset by 32); scale j has
//	              its low 4 bits in byte j (j < 8, low nibble) or byte j-8
//	              (high nibble), its high 2 bits in byte 8 + j%4 at bit 2*(j/4)
//	bytes 108-109 d: super-block scale, half
//
// Element value: d * (scale-32) * (q - 4), q = low bits | high bit << 2.

// q3KScale is the signed 6-bit scale of sub-block j (scale - 32).
func q3KScale(sc []byte, j int) int8 {
	var s uint8
	if j < 8 {
		s = sc[j] & 0xf
	} else {
		s = sc[j-8] >> 4
	}
	return int8(s|(sc[8+j%4]>>(2*(j/4))&3)<<4) - 32
}

// quantQ3_K is quantize_row_q3_K_ref.
func quantQ3_K(dst []byte, x []float32) {
	_ = dst[109]
	var L [qkK]int8
	var scales [qkK / 16]float32
	var maxScale, amax float32
	for j := range qkK / 16 {
		scales[j] = makeQ3Quants(4, x[16*j:16*j+16], L[16*j:16*j+16])
		if s := abs32(scales[j]); s > amax {
			amax, maxScale = s, scales[j]
		}
	}
	sc := dst[96:108]
	clear(sc)
	if maxScale != 0 {
		iscale := -32 / maxScale
		for j := range qkK / 16 {
			l := int8(nearestInt(fmul(iscale, scales[j])))
			l = max(-32, min(31, l)) + 32
			if j < 8 {
				sc[j] = uint8(l) & 0xf
			} else {
				sc[j-8] |= (uint8(l) & 0xf) << 4
			}
			l >>= 4
			sc[j%4+8] |= uint8(l) << (2 * (j / 4))
		}
		putF16(dst[108:], 1/iscale)
	} else {
		putF16(dst[108:], 0)
	}
	dAll := f16At(dst[108:])
	for j := range qkK / 16 {
		d := fmul(dAll, float32(q3KScale(sc, j)))
		if d == 0 {
			continue
		}
		for ii := range 16 {
			l := max(-4, min(3, nearestInt(x[16*j+ii]/d)))
			L[16*j+ii] = int8(l + 4)
		}
	}
	hmask := dst[0:32]
	clear(hmask)
	var u [qkK]uint8
	for j := range qkK {
		l := uint8(L[j])
		if l > 3 {
			hmask[j%32] |= 1 << (j / 32)
			l -= 4
		}
		u[j] = l
	}
	pack2Bits(dst[32:96], u[:])
}

// q3KValues writes the 256 levels q-4 (-4..3) of a Q3_K block into a and
// its 16 scales (scale-32) into sc.
func q3KValues(src []byte, a *[qkK]int8, sc *[qkK / 16]int8) {
	hmask, qs := src[0:32], src[32:96]
	for b := range 8 { // element 32b + l
		half, shift := b/4, 2*(b%4)
		for l := range 32 {
			// The high bit set means no -4 (branch-free: the bits are random).
			hi := int8(hmask[l] >> b & 1)
			a[32*b+l] = int8(qs[32*half+l]>>shift&3) - 4 + 4*hi
		}
	}
	for j := range sc {
		sc[j] = q3KScale(src[96:108], j)
	}
}

func dequantQ3_K(dst []float32, src []byte) {
	_ = src[109]
	dAll := f16At(src[108:])
	var a [qkK]int8
	var sc [qkK / 16]int8
	q3KValues(src, &a, &sc)
	for j := range qkK / 16 {
		dl := fmul(dAll, float32(sc[j]))
		for p := 16 * j; p < 16*j+16; p++ {
			dst[p] = fmul(dl, float32(a[p]))
		}
	}
}

// dotQ3_K is ggml_vec_dot_q3_K_q8_K_generic: integer sums in eight lanes
// (element p goes to lane p%8), scaled per super-block into eight float32
// lane sums, added up at the end.
func dotQ3_K(nb int, w, x []byte) float32 {
	var sums [8]float32
	var a [qkK]int8
	var sc [qkK / 16]int8
	for i := range nb {
		wb, xb := w[110*i:110*i+110], x[292*i:292*i+292]
		yd, q8, _ := q8KAt(xb)
		q3KValues(wb, &a, &sc)
		var aux32 [8]int32
		for p := range qkK {
			aux32[p%8] += int32(sc[p/16]) * (int32(int8(q8[p])) * int32(a[p]))
		}
		d := fmul(f16At(wb[108:]), yd)
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
