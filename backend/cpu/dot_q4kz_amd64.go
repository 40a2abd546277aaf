//go:build amd64 && gc && !purego

package cpu

import "golang.org/x/sys/cpu"

// q4kRecord is the bytes of one Q8_K activation block laid out for
// dotRowsQ4_KZ: for sub-block pairs (0, 1) and (2, 3), the 32 quants their
// low nibbles take side by side, then the 32 their high nibbles take
// (64-byte halves of the 64-element groups 2p and 2p+1); then, in each
// 16 bytes of the last 64, the eight 32-element sums of the block as
// int16 (its bsums added in pairs, vphaddw's words, which the two-run
// kernel reads instead of adding them).
const q4kRecord = 320

//go:noescape
func dotRowsQ4_KZ(out *float32, w *byte, stride int, x *byte, rec *byte, nb int, rows int)

//go:noescape
func fillQ4KAVX512(rec *byte, x *byte, nb int)

// fillQ4K lays out nb Q8_K blocks of x as records in rec (nb·q4kRecord
// bytes): fillQ4KGeneric, in vectors where the machine has AVX-512 (the
// 32 blocks of an 8,192-wide row: 1,124 ns in Go, 99 ns in vectors).
func fillQ4K(rec, x []byte, nb int) {
	if useAVX512 && nb > 0 {
		_ = rec[nb*q4kRecord-1]
		_ = x[nb*q8KBlock-1]
		fillQ4KAVX512(&rec[0], &x[0], nb)
		return
	}
	fillQ4KGeneric(rec, x, nb)
}

// fillQ4KGeneric is fillQ4K in Go.
func fillQ4KGeneric(rec, x []byte, nb int) {
	for b := range nb {
		r, q8 := rec[b*q4kRecord:][:q4kRecord], x[b*q8KBlock+4:][:256]
		for p := range 2 {
			for h := range 2 { // low nibbles, then high
				o := 128*p + 64*h
				copy(r[o:o+32], q8[128*p+32*h:][:32])
				copy(r[o+32:o+64], q8[128*p+64+32*h:][:32])
			}
		}
		bs := x[b*q8KBlock+260:][:32]
		for j := range 8 {
			v := uint16(bs[4*j]) | uint16(bs[4*j+1])<<8
			v += uint16(bs[4*j+2]) | uint16(bs[4*j+3])<<8
			for c := range 4 {
				r[256+16*c+2*j], r[256+16*c+2*j+1] = byte(v), byte(v>>8)
			}
		}
	}
}

// dotRowsQ4_KRec is dotRowsQ4_K with the activations also as records
// (fillQ4K): the 512-bit kernel where it runs.
func dotRowsQ4_KRec(out []float32, w []byte, stride int, x, rec []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useVNNI || !useAVX512 || !useK4x4BW {
		dotRowsQ4_K(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q4KBlock-1]
	_ = x[nb*q8KBlock-1]
	_ = rec[nb*q4kRecord-1]
	dotRowsQ4_KZ(&out[0], &w[0], stride, &x[0], &rec[0], nb, rows)
}

//go:noescape
func dotRowsQ4_KZTwo(outA *float32, outB *float32, w *byte, dist int, stride int, x *byte, rec *byte, nb int, rows int)

//go:noescape
func dotRowsQ4_KZTwoGF(outA *float32, outB *float32, w *byte, dist int, stride int, x *byte, rec *byte, nb int, rows int)

//go:noescape
func dotRowsQ4_KZFour(outA *float32, outB *float32, outC *float32, outD *float32, w *byte, dist int, half int, stride int, x *byte, rec *byte, nb int, rows int)

//go:noescape
func dotRowsQ4_KZFourGF(outA *float32, outB *float32, outC *float32, outD *float32, w *byte, dist int, half int, stride int, x *byte, rec *byte, nb int, rows int)

// q4kFour: dotRowsQ4_KRecTwo reads each of its two runs as two halves,
// four streams (dotRowsQ4_KZFour, dotRowsQ4_KZFourGF), an odd last row by
// the two-run kernel; a variable so that the tests take both.
var q4kFour = true

// useGFNI: dotRowsQ4_KRecTwo takes the high nibbles with one GFNI
// instruction (dotRowsQ4_KZTwoGF: the same integers, fewer instructions).
var useGFNI = cpu.X86.HasAVX512GFNI

// dotRowsQ4_KRecTwo is dotRowsQ4_KRec on two runs of rows at once, outA
// from wA and outB from wB (len(outA) = len(outB), rows stride bytes apart
// in each), read as two streams side by side. The asm takes the second
// run as a distance from the first, which may lie before it (the up
// projection's rows beside the gate's, MatMulSwiGLU): the runs are then
// swapped.
func dotRowsQ4_KRecTwo(outA, outB []float32, wA, wB []byte, stride int, x, rec []byte, nb int) {
	rows := len(outA)
	if rows == 0 || nb == 0 || !useVNNI || !useAVX512 || !useK4x4BW || len(outB) != rows {
		dotRowsQ4_KRec(outA, wA, stride, x, rec, nb)
		dotRowsQ4_KRec(outB, wB, stride, x, rec, nb)
		return
	}
	_ = wA[(rows-1)*stride+nb*q4KBlock-1]
	_ = wB[(rows-1)*stride+nb*q4KBlock-1]
	dist := ptrDiff(&wB[0], &wA[0])
	if dist < 0 {
		outA, outB, wA, dist = outB, outA, wB, -dist
	}
	w := wA
	_ = x[nb*q8KBlock-1]
	_ = rec[nb*q4kRecord-1]
	if q4kFour {
		h := rows / 2
		if h > 0 {
			four := dotRowsQ4_KZFour
			if useGFNI {
				four = dotRowsQ4_KZFourGF
			}
			four(&outA[0], &outB[0], &outA[h], &outB[h], &w[0], dist, h*stride, stride, &x[0], &rec[0], nb, h)
		}
		r := 2 * h
		if r == rows {
			return
		}
		outA, outB, w, rows = outA[r:], outB[r:], w[r*stride:], rows-r
	}
	if useGFNI {
		dotRowsQ4_KZTwoGF(&outA[0], &outB[0], &w[0], dist, stride, &x[0], &rec[0], nb, rows)
		return
	}
	dotRowsQ4_KZTwo(&outA[0], &outB[0], &w[0], dist, stride, &x[0], &rec[0], nb, rows)
}

// q4kRows is kernelFor's one-token Q4_K kernel where the 512-bit one runs:
// each token's activations are laid out as records once, then every row
// reads them (ok false elsewhere); rowsTwo reads two runs of rows at once
// (kernel.rowsTwo).
func (d *Device) q4kRows(n, nb int, wb []byte, rb int, xq []byte, xb int) (prep func(int), rows func([]float32, int, int, []byte), rowsTwo func(outA, outB []float32, wA, wB []byte), ok bool) {
	if !useVNNI || !useAVX512 || !useK4x4BW {
		return nil, nil, nil, false
	}
	rl := nb * q4kRecord
	recs := d.scratch.pairs(n * rl)
	prep = func(i int) {
		fillQ4K(recs[i*rl:][:rl], xq[i*xb:][:xb], nb)
	}
	rows = func(out []float32, r0, tok int, x []byte) {
		dotRowsQ4_KRec(out, wb[r0*rb:], rb, x, recs[tok*rl:][:rl], nb)
	}
	rowsTwo = func(outA, outB []float32, wA, wB []byte) {
		dotRowsQ4_KRecTwo(outA, outB, wA, wB, rb, xq[:xb], recs[:rl], nb)
	}
	return prep, rows, rowsTwo, true
}

// kernelLevel is the levels on which kernelFor's choice of a one-token
// kernel depends (the 512-bit record kernels of Q4_K and TQ2_0): a kept
// kernel (oneKernel) made under others is made again (tests switch them).
func kernelLevel() uint8 {
	var l uint8
	if useVNNI {
		l |= 1
	}
	if useAVX512 {
		l |= 2
	}
	if useK4x4BW {
		l |= 4
	}
	return l
}
