package quant

// Block IQ4_NL (18 bytes, 32 elements), ggml's block_iq4_nl: 4-bit indices
// into a fixed non-linear table of 16 levels.
//
//	bytes 0-1   d: scale, half
//	bytes 2-17  qs: byte j holds the index of element j in its low nibble
//	            and of element j+16 in its high nibble
//
// Element value: d * kvaluesIQ4NL[index].

// kvaluesIQ4NL is ggml's kvalues_iq4nl.
var kvaluesIQ4NL = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// bestIndexIQ4NL is best_index_int8 over kvaluesIQ4NL: the level nearest x
// (the upper one on a tie), found by a branchless binary search on doubled
// values so that the midpoints are exact.
func bestIndexIQ4NL(x float32) int {
	x2 := x + x
	idx := 0
	for step := 8; step > 0; step >>= 1 {
		j := idx + step
		if x2 >= float32(int(kvaluesIQ4NL[j-1])+int(kvaluesIQ4NL[j])) {
			idx = j
		}
	}
	return idx
}

// quantIQ4_NL is quantize_iq4_nl without an importance matrix
// (quantize_row_iq4_nl_impl with a 32-element super-block, ntry 7): the
// scale is refined over 15 trial scales to minimise the x²-weighted error.
func quantIQ4_NL(dst []byte, x []float32) {
	_ = dst[17]
	xb := x[:32]
	var weight [32]float32
	var L [32]uint8
	var amax, vmax float32
	for j, v := range xb {
		weight[j] = fmul(v, v)
		if ax := abs32(v); ax > amax {
			amax, vmax = ax, v
		}
	}
	var scale float32
	if amax >= groupMaxEps {
		values := &kvaluesIQ4NL
		d := -vmax / float32(values[0])
		id := 1 / d
		var sumqx, sumq2 float32
		for j, v := range xb {
			l := bestIndexIQ4NL(fmul(id, v))
			L[j] = uint8(l)
			q := float32(values[l])
			sumqx += fmul(fmul(weight[j], q), v)
			sumq2 += fmul(fmul(weight[j], q), q)
		}
		d = 0
		if sumq2 > 0 {
			d = sumqx / sumq2
		}
		best := fmul(d, sumqx)
		for itry := -7; itry <= 7; itry++ {
			id = float32(itry+int(values[0])) / vmax
			sumqx, sumq2 = 0, 0
			for j, v := range xb {
				q := float32(values[bestIndexIQ4NL(fmul(id, v))])
				sumqx += fmul(fmul(weight[j], q), v)
				sumq2 += fmul(fmul(weight[j], q), q)
			}
			if sumq2 > 0 && fmul(sumqx, sumqx) > fmul(best, sumq2) {
				d = sumqx / sumq2
				best = fmul(d, sumqx)
			}
		}
		scale = d
	}
	putF16(dst, scale)
	var id float32
	if scale != 0 {
		id = 1 / scale
	}
	for j, v := range xb {
		L[j] = uint8(bestIndexIQ4NL(fmul(id, v)))
	}
	for j := range 16 {
		dst[2+j] = L[j] | L[j+16]<<4
	}
}

func dequantIQ4_NL(dst []float32, src []byte) {
	_ = src[17]
	d := f16At(src)
	for j := range 16 {
		dst[j] = fmul(d, float32(kvaluesIQ4NL[src[2+j]&0xf]))
		dst[j+16] = fmul(d, float32(kvaluesIQ4NL[src[2+j]>>4]))
	}
}

// dotIQ4_NL is ggml_vec_dot_iq4_nl_q8_0_generic.
func dotIQ4_NL(nb int, w, x []byte) float32 {
	var sumf float32
	for i := range nb {
		wb, xb := w[18*i:18*i+18], x[34*i:34*i+34]
		d := fmul(f16At(xb), f16At(wb))
		var sumi1, sumi2 int32
		for j := range 16 {
			sumi1 += int32(int8(xb[2+j])) * int32(kvaluesIQ4NL[wb[2+j]&0xf])
			sumi2 += int32(int8(xb[2+16+j])) * int32(kvaluesIQ4NL[wb[2+j]>>4])
		}
		sumf += fmul(d, float32(sumi1+sumi2))
	}
	return sumf
}
