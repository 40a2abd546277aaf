package quant

// Block Q8_0 (34 bytes, 32 elements), ggml's block_q8_0:
//
//	bytes 0-1   d: scale, half
//	bytes 2-33  qs: 32 int8 values; element j is d*qs[j]
//
// Block Q8_1 (36 bytes, 32 elements), ggml's block_q8_1, the activation type
// paired with Q4_1 and Q5_1:
//
//	bytes 0-1   d: scale, half
//	bytes 2-3   s: d times the sum of qs, half
//	bytes 4-35  qs: 32 int8 values; element j is d*qs[j]

// maxC is C's MAX(a, b) macro, ((a) > (b) ? (a) : (b)), NaN behaviour included.
func maxC(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// quantQ8_0 is quantize_row_q8_0_ref: d = max|x|/127, q = roundf(x/d).
func quantQ8_0(dst []byte, src []float32) {
	_ = dst[33]
	var amax float32
	for _, v := range src[:32] {
		amax = maxC(amax, abs32(v))
	}
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(dst, d)
	for j, v := range src[:32] {
		dst[2+j] = byte(int8(roundAway(v * id)))
	}
}

func dequantQ8_0(dst []float32, src []byte) {
	_ = src[33]
	d := f16At(src)
	for j := range dst[:32] {
		dst[j] = float32(int8(src[2+j])) * d
	}
}

// quantQ8_1 is quantize_row_q8_1_ref: Q8_0's values plus s = d*sum(qs).
func quantQ8_1(dst []byte, src []float32) {
	_ = dst[35]
	var amax float32
	for _, v := range src[:32] {
		amax = maxC(amax, abs32(v))
	}
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(dst, d)
	sum := 0
	for j, v := range src[:32] {
		q := int8(roundAway(v * id))
		dst[4+j] = byte(q)
		sum += int(q)
	}
	putF16(dst[2:], float32(sum)*d)
}

func dequantQ8_1(dst []float32, src []byte) {
	_ = src[35]
	d := f16At(src)
	for j := range dst[:32] {
		dst[j] = float32(int8(src[4+j])) * d
	}
}

// dotQ8_0 is ggml_vec_dot_q8_0_q8_0_generic.
func dotQ8_0(nb int, w, x []byte) float32 {
	var sumf float32
	for i := range nb {
		wb, xb := w[34*i:34*i+34], x[34*i:34*i+34]
		sumi := int32(0)
		for j := range 32 {
			sumi += int32(int8(wb[2+j])) * int32(int8(xb[2+j]))
		}
		sumf += float32(float32(sumi) * float32(f16At(wb)*f16At(xb)))
	}
	return sumf
}
