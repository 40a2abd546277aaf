package quant

// Block Q4_K (144 bytes, 256 elements), ggml's block_q4_K:
//
//	bytes 0-1    d: super-block scale of the scales, half
//	bytes 2-3    dmin: super-block scale of the minimums, half
//	bytes 4-15   scales: 8 6-bit scales and 8 6-bit minimums, one per
//	             32-element sub-block, packed as scaleMinK4 describes
//	bytes 16-143 qs: 4-bit values; 64-element chunk c uses bytes 32c..32c+31,
//	             byte l holding element 64c+l (low nibble) and 64c+32+l (high)
//
// Element value: d*scale*q - dmin*min.

// quantQ4_K is quantize_row_q4_K_ref.
func quantQ4_K(dst []byte, x []float32) {
	_ = dst[143]
	var L [qkK]uint8
	var scales, mins [qkK / 32]float32
	quantKMinScales(x, 15, -1, 0.1, 20, L[:], scales[:], mins[:])
	packKMinScales(dst, scales[:], mins[:])
	requantKMin(dst, x, 15, L[:])
	q := dst[16:144]
	for c := range 4 {
		for l := range 32 {
			q[32*c+l] = L[64*c+l] | L[64*c+32+l]<<4
		}
	}
}

// quantKMinScales runs make_qkx2_quants over the eight 32-element sub-blocks
// of a Q4_K/Q5_K super-block, weighting each element by rms(sub-block)+|x|.
func quantKMinScales(x []float32, nmax int, rmin, rdelta float32, nstep int, L []uint8, scales, mins []float32) {
	var weights [32]float32
	var laux [32]uint8
	for j := range qkK / 32 {
		xs := x[32*j : 32*j+32]
		var sumX2 float32
		for _, v := range xs {
			sumX2 += fmul(v, v)
		}
		avX := sqrt32(sumX2 / 32)
		for l, v := range xs {
			weights[l] = avX + abs32(v)
		}
		scales[j], mins[j] = makeQKX2Quants(nmax, xs, weights[:], L[32*j:32*j+32], laux[:], rmin, rdelta, nstep, false)
	}
}

// packKMinScales stores d, dmin and the 6-bit scales and minimums of a Q4_K
// or Q5_K super-block (the first 16 bytes of both layouts).
func packKMinScales(dst []byte, scales, mins []float32) {
	var maxScale, maxMin float32
	for j := range qkK / 32 {
		maxScale = max(maxScale, scales[j])
		maxMin = max(maxMin, mins[j])
	}
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMin > 0 {
		invMin = 63 / maxMin
	}
	sc := dst[4:16]
	for j := range qkK / 32 {
		ls := min(63, uint8(nearestInt(fmul(invScale, scales[j]))))
		lm := min(63, uint8(nearestInt(fmul(invMin, mins[j]))))
		packScaleMinK4(j, sc, ls, lm)
	}
	putF16(dst[0:], maxScale/63)
	putF16(dst[2:], maxMin/63)
}

// requantKMin requantizes every element of a Q4_K/Q5_K super-block against
// its stored (rounded) scales and minimums: L = clamp(round((x+dm)/d), 0, nmax).
func requantKMin(dst []byte, x []float32, nmax int, L []uint8) {
	dAll, dMin := f16At(dst[0:]), f16At(dst[2:])
	for j := range qkK / 32 {
		sc, m := scaleMinK4(j, dst[4:16])
		d := fmul(dAll, float32(sc))
		if d == 0 {
			continue
		}
		dm := fmul(dMin, float32(m))
		for ii := range 32 {
			L[32*j+ii] = uint8(max(0, min(nmax, nearestInt((x[32*j+ii]+dm)/d))))
		}
	}
}

func dequantQ4_K(dst []float32, src []byte) {
	_ = src[143]
	d, dmin := f16At(src[0:]), f16At(src[2:])
	q := src[16:144]
	for c := range 4 {
		sc1, m1 := scaleMinK4(2*c, src[4:16])
		sc2, m2 := scaleMinK4(2*c+1, src[4:16])
		d1, mm1 := fmul(d, float32(sc1)), fmul(dmin, float32(m1))
		d2, mm2 := fmul(d, float32(sc2)), fmul(dmin, float32(m2))
		for l := range 32 {
			dst[64*c+l] = fmul(d1, float32(q[32*c+l]&0xf)) - mm1
			dst[64*c+32+l] = fmul(d2, float32(q[32*c+l]>>4)) - mm2
		}
	}
}

// dotKMin is the shared tail of ggml_vec_dot_q4_K_q8_K_generic and
// ggml_vec_dot_q5_K_q8_K_generic: vals(p) is weight element p's level; the
// integer sums go to eight lanes (p%8), the minimums meet Q8_K's bsums.
func dotKMin(nb, blockBytes int, w, x []byte, vals func(wb []byte, a *[qkK]int8)) float32 {
	var sums [8]float32
	var sumf float32
	var a [qkK]int8
	for i := range nb {
		wb, xb := w[blockBytes*i:blockBytes*(i+1)], x[292*i:292*i+292]
		yd, q8, bsums := q8KAt(xb)
		vals(wb, &a)
		var scales, mins [8]int32
		for j := range 8 {
			s, m := scaleMinK4(j, wb[4:16])
			scales[j], mins[j] = int32(s), int32(m)
		}
		var sumi int32
		for j := range qkK / 16 {
			sumi += bsum(bsums, j) * mins[j/2]
		}
		var aux32 [8]int32
		for p := range qkK {
			aux32[p%8] += scales[p/32] * (int32(int8(q8[p])) * int32(a[p]))
		}
		d := fmul(f16At(wb[0:]), yd)
		for l := range 8 {
			sums[l] += fmul(d, float32(aux32[l]))
		}
		dmin := fmul(f16At(wb[2:]), yd)
		sumf -= fmul(dmin, float32(sumi))
	}
	for l := range 8 {
		sumf += sums[l]
	}
	return sumf
}

// dotQ4_K is ggml_vec_dot_q4_K_q8_K_generic.
func dotQ4_K(nb int, w, x []byte) float32 {
	return dotKMin(nb, 144, w, x, func(wb []byte, a *[qkK]int8) {
		q := wb[16:144]
		for c := range 4 {
			for l := range 32 {
				a[64*c+l] = int8(q[32*c+l] & 0xf)
				a[64*c+32+l] = int8(q[32*c+l] >> 4)
			}
		}
	})
}
