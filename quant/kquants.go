package quant

import (
	"encoding/binary"
	"math"
)

// The K-quants (Q2_K..Q6_K, with Q8_K as their activation type) pack 256
// elements in a super-block of 16 or 8 sub-blocks, each sub-block with its own
// small integer scale (and minimum) relative to the super-block's half scales.
// The helpers below are ggml's scale searches (ggml-quants.c make_*_quants),
// ported operation for operation so that the bytes match.

// qkK is QK_K, the elements of a K-quant super-block.
const qkK = 256

// groupMaxEps is GROUP_MAX_EPS: a group whose largest magnitude is below it is
// treated as all zeros.
const groupMaxEps = 1e-15

// fmul is a*b rounded to float32. Sums of products are written with it so that
// the Go compiler cannot fuse them into FMA instructions (it may on arm64,
// and with GOAMD64=v3), which would change the rounding and hence the bytes.
func fmul(a, b float32) float32 { return float32(a * b) }

// makeQXQuants is make_qx_quants with rmse_type 1 and no importance weights
// (the only use the reference quantizers make of it): symmetric levels
// -nmax..nmax-1 stored as L = l + nmax, the scale chosen among 19 trial
// scales to minimise the x²-weighted squared error. It returns the scale.
func makeQXQuants(nmax int, x []float32, L []int8) float32 {
	var vmax, amax float32
	for _, v := range x {
		if ax := abs32(v); ax > amax {
			amax, vmax = ax, v
		}
	}
	if amax < groupMaxEps {
		clear(L[:len(x)])
		return 0
	}
	clampL := func(l int) int { return max(-nmax, min(nmax-1, l)) }
	iscale := float32(-nmax) / vmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampL(nearestInt(fmul(iscale, v)))
		L[i] = int8(l + nmax)
		w := fmul(v, v)
		sumlx += fmul(fmul(w, v), float32(l))
		suml2 += fmul(fmul(w, float32(l)), float32(l))
	}
	scale := float32(0)
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := fmul(scale, sumlx)
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(float32(nmax) + fmul(0.1, float32(is))) / vmax
		sumlx, suml2 = 0, 0
		for _, v := range x {
			l := clampL(nearestInt(fmul(iscale, v)))
			w := fmul(v, v)
			sumlx += fmul(fmul(w, v), float32(l))
			suml2 += fmul(fmul(w, float32(l)), float32(l))
		}
		if suml2 > 0 && fmul(sumlx, sumlx) > fmul(best, suml2) {
			for i, v := range x {
				L[i] = int8(nmax + clampL(nearestInt(fmul(iscale, v))))
			}
			scale = sumlx / suml2
			best = fmul(scale, sumlx)
		}
	}
	return scale
}

// makeQ3Quants is make_q3_quants with do_rmse: symmetric levels
// -nmax..nmax-1 (stored as L = l + nmax) refined one element at a time to
// minimise the x²-weighted squared error. It returns the scale.
func makeQ3Quants(nmax int, x []float32, L []int8) float32 {
	var vmax, amax float32
	for _, v := range x {
		if ax := abs32(v); ax > amax {
			amax, vmax = ax, v
		}
	}
	if amax < groupMaxEps {
		clear(L[:len(x)])
		return 0
	}
	clampL := func(l int) int { return max(-nmax, min(nmax-1, l)) }
	iscale := float32(-nmax) / vmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampL(nearestInt(fmul(iscale, v)))
		L[i] = int8(l)
		w := fmul(v, v)
		sumlx += fmul(fmul(w, v), float32(l))
		suml2 += fmul(fmul(w, float32(l)), float32(l))
	}
	for range 5 {
		changed := false
		for i, v := range x {
			w := fmul(v, v)
			li := float32(L[i])
			slx := sumlx - fmul(fmul(w, v), li)
			if slx > 0 {
				sl2 := suml2 - fmul(fmul(w, li), li)
				newL := clampL(nearestInt(fmul(v, sl2) / slx))
				if newL != int(L[i]) {
					fl := float32(newL)
					slx += fmul(fmul(w, v), fl)
					sl2 += fmul(fmul(w, fl), fl)
					if sl2 > 0 && fmul(fmul(slx, slx), suml2) > fmul(fmul(sumlx, sumlx), sl2) {
						L[i] = int8(newL)
						sumlx, suml2 = slx, sl2
						changed = true
					}
				}
			}
		}
		if !changed {
			break
		}
	}
	for i := range x {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// makeQKX2Quants is make_qkx2_quants: asymmetric levels 0..nmax with a
// minimum, x ≈ scale*L - theMin, searched over nstep+1 trial scales
// (rmin + rdelta*is + nmax)/(max - min) for the least weighted error
// (absolute when useMad, else squared). It returns scale and theMin (>= 0).
// laux is scratch of len(x).
func makeQKX2Quants(nmax int, x, weights []float32, L, laux []uint8, rmin, rdelta float32, nstep int, useMad bool) (scale, theMin float32) {
	n := len(x)
	vmin, vmax := x[0], x[0]
	sumW := weights[0]
	sumX := fmul(sumW, x[0])
	for i := 1; i < n; i++ {
		if x[i] < vmin {
			vmin = x[i]
		}
		if x[i] > vmax {
			vmax = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += fmul(w, x[i])
	}
	if vmin > 0 {
		vmin = 0
	}
	if vmax == vmin {
		clear(L[:n])
		return 0, -vmin
	}
	errOf := func(d float32) float32 {
		if useMad {
			return abs32(d)
		}
		return fmul(d, d)
	}
	iscale := float32(nmax) / (vmax - vmin)
	scale = 1 / iscale
	var bestError float32
	for i, v := range x {
		l := nearestInt(fmul(iscale, v-vmin))
		L[i] = uint8(max(0, min(nmax, l)))
		diff := fmul(scale, float32(L[i])) + vmin - v
		bestError += fmul(weights[i], errOf(diff))
	}
	if nstep < 1 {
		return scale, -vmin
	}
	for is := 0; is <= nstep; is++ {
		iscale = (rmin + fmul(rdelta, float32(is)) + float32(nmax)) / (vmax - vmin)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := max(0, min(nmax, nearestInt(fmul(iscale, v-vmin))))
			laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			sumL += fmul(w, fl)
			sumL2 += fmul(fmul(w, fl), fl)
			sumXL += fmul(fmul(w, fl), v)
		}
		D := fmul(sumW, sumL2) - fmul(sumL, sumL)
		if D > 0 {
			thisScale := (fmul(sumW, sumXL) - fmul(sumX, sumL)) / D
			thisMin := (fmul(sumL2, sumX) - fmul(sumL, sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curError float32
			for i, v := range x {
				diff := fmul(thisScale, float32(laux[i])) + thisMin - v
				curError += fmul(weights[i], errOf(diff))
			}
			if curError < bestError {
				copy(L[:n], laux[:n])
				bestError = curError
				scale, vmin = thisScale, thisMin
			}
		}
	}
	return scale, -vmin
}

// scaleMinK4 is get_scale_min_k4: the 6-bit scale and minimum of sub-block j
// (0..7) from the 12 packed bytes q of a Q4_K or Q5_K super-block. Bytes 0-3
// hold scales 0-3 in their low 6 bits, bytes 4-7 minimums 0-3; bytes 8-11
// hold the low 4 bits of scales 4-7 (low nibble) and minimums 4-7 (high
// nibble), whose top 2 bits sit in the top bits of bytes 0-3 and 4-7.
func scaleMinK4(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xf | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// packScaleMinK4 stores 6-bit scale ls and minimum lm of sub-block j into q,
// the inverse of scaleMinK4 (q must start zeroed for j >= 4's high bits).
func packScaleMinK4(j int, q []byte, ls, lm uint8) {
	if j < 4 {
		q[j] = ls
		q[j+4] = lm
		return
	}
	q[j+4] = ls&0xf | (lm&0xf)<<4
	q[j-4] |= (ls >> 4) << 6
	q[j] |= (lm >> 4) << 6
}

// q8KAt reads a Q8_K block: its float32 scale, values and 16-element sums.
func q8KAt(b []byte) (d float32, qs []byte, bsums []byte) {
	return math.Float32frombits(binary.LittleEndian.Uint32(b)), b[4 : 4+qkK], b[4+qkK : 4+qkK+32]
}

// bsum is the j'th 16-element sum of a Q8_K block.
func bsum(bsums []byte, j int) int32 { return int32(int16(binary.LittleEndian.Uint16(bsums[2*j:]))) }
