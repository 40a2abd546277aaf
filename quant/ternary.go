package quant

// The ternary formats hold values -1, 0, +1 times one half scale d per
// 256 elements (BitNet b1.58, TriLM).
//
// Block TQ1_0 (54 bytes, 256 elements), ggml's block_tq1_0 (1.6875 bits):
//
//	bytes 0-47   qs: five trits per byte; byte m (0..31) holds elements
//	             m + 32n (n = 0..4), byte 32+m (m = 0..15) holds elements
//	             160 + m + 16n
//	bytes 48-51  qh: four trits per byte; byte j holds elements 240 + j + 4n
//	             (n = 0..3)
//	bytes 52-53  d: scale, half
//
// A byte of trits t0..t4 (each 0..2, t0 the most significant, qh's t4 = 0)
// stores ceil(256 * (t0 t1 t2 t3 t4 in base 3) / 243); trit n reads back as
// (uint8(byte * 3^n) * 3) >> 8. Element value: d * (t - 1).
//
// Block TQ2_0 (66 bytes, 256 elements), ggml's block_tq2_0 (2.0625 bits):
//
//	bytes 0-63   qs: 2-bit values t (0..2); in 128-element half h, byte m
//	             (0..31) of its 32 bytes holds elements 128h + m + 32n in
//	             bits 2n, 2n+1 (n = 0..3)
//	bytes 64-65  d: scale, half
//
// Element value: d * (t - 1).

// pow3 is 3^n for the trit extraction.
var pow3 = [5]uint8{1, 3, 9, 27, 81}

// trit is trit n (0..2) of a TQ1_0 byte q.
func trit(q uint8, n int) int {
	return int(uint16(q*pow3[n]) * 3 >> 8)
}

// tqScale is the ternary quantizers' shared start: d = max|x|, and 1/d (0 if d is).
func tqScale(x []float32) (d, id float32) {
	for _, v := range x[:qkK] {
		d = maxC(d, abs32(v))
	}
	if d != 0 {
		id = 1 / d
	}
	return d, id
}

// ternaryOf is lroundf(x*id) + 1: the trit of x (0..2 for |x*id| <= 1).
func ternaryOf(x, id float32) uint8 {
	return uint8(int(roundAway(fmul(x, id))) + 1)
}

// quantTQ1_0 is quantize_row_tq1_0_ref.
func quantTQ1_0(dst []byte, x []float32) {
	_ = dst[53]
	d, id := tqScale(x)
	putF16(dst[52:], d)
	// ceilPack turns trits in base 3 (t0 most significant) into a byte.
	ceilPack := func(q uint8) uint8 { return uint8((uint16(q)*256 + (243 - 1)) / 243) }
	for m := range 32 {
		var q uint8
		for n := range 5 {
			q = q*3 + ternaryOf(x[m+32*n], id)
		}
		dst[m] = ceilPack(q)
	}
	for m := range 16 {
		var q uint8
		for n := range 5 {
			q = q*3 + ternaryOf(x[160+m+16*n], id)
		}
		dst[32+m] = ceilPack(q)
	}
	for j := range 4 {
		var q uint8
		for n := range 4 {
			q = q*3 + ternaryOf(x[240+j+4*n], id)
		}
		dst[48+j] = ceilPack(q * 3)
	}
}

// tq1Values writes the 256 trits (0..2) of a TQ1_0 block into t.
func tq1Values(src []byte, t *[qkK]int8) {
	for n := range 5 {
		for m := range 32 {
			t[32*n+m] = int8(trit(src[m], n))
		}
		for m := range 16 {
			t[160+16*n+m] = int8(trit(src[32+m], n))
		}
	}
	for n := range 4 {
		for j := range 4 {
			t[240+4*n+j] = int8(trit(src[48+j], n))
		}
	}
}

func dequantTQ1_0(dst []float32, src []byte) {
	_ = src[53]
	d := f16At(src[52:])
	var t [qkK]int8
	tq1Values(src, &t)
	for p := range qkK {
		dst[p] = fmul(float32(t[p]-1), d)
	}
}

// dotTQ1_0 is ggml_vec_dot_tq1_0_q8_K_generic.
func dotTQ1_0(nb int, w, x []byte) float32 {
	var sumf float32
	var t [qkK]int8
	for i := range nb {
		wb, xb := w[54*i:54*i+54], x[292*i:292*i+292]
		yd, q8, _ := q8KAt(xb)
		tq1Values(wb, &t)
		var sum int32
		for p := range qkK {
			sum += int32(t[p]-1) * int32(int8(q8[p]))
		}
		sumf += fmul(float32(sum), fmul(f16At(wb[52:]), yd))
	}
	return sumf
}

// quantTQ2_0 is quantize_row_tq2_0_ref.
func quantTQ2_0(dst []byte, x []float32) {
	_ = dst[65]
	d, id := tqScale(x)
	putF16(dst[64:], d)
	for h := range 2 {
		for m := range 32 {
			var q uint8
			for n := range 4 {
				q += (ternaryOf(x[128*h+m+32*n], id) & 3) << (2 * n)
			}
			dst[32*h+m] = q
		}
	}
}

func dequantTQ2_0(dst []float32, src []byte) {
	_ = src[65]
	d := f16At(src[64:])
	for h := range 2 {
		for n := range 4 {
			for m := range 32 {
				t := int(src[32*h+m]>>(2*n)) & 3
				dst[128*h+32*n+m] = fmul(float32(t-1), d)
			}
		}
	}
}

// dotTQ2_0 is ggml_vec_dot_tq2_0_q8_K_generic.
func dotTQ2_0(nb int, w, x []byte) float32 {
	var sumf float32
	for i := range nb {
		wb, xb := w[66*i:66*i+66], x[292*i:292*i+292]
		yd, q8, _ := q8KAt(xb)
		var sumi int32
		for h := range 2 {
			for n := range 4 {
				for m := range 32 {
					t := int32(wb[32*h+m]>>(2*n)) & 3
					sumi += int32(int8(q8[128*h+32*n+m])) * (t - 1)
				}
			}
		}
		d := fmul(yd, f16At(wb[64:]))
		sumf += fmul(float32(sumi), d)
	}
	return sumf
}
