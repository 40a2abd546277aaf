//go:build amd64 && gc && !purego

package cpu

import "encoding/binary"

// tq2Record is the bytes of one Q8_K activation block laid out for
// dotRowsTQ2_0Z: for each level n (0-3), 64 bytes holding quants 32n…32n+31
// then 128+32n…; then the 8 lanes' biases −(bsums[2l]+bsums[2l+1]) as
// int32 and 32 zero bytes; then d as float32 (bytes 320-323); padding.
const tq2Record = 384

//go:noescape
func dotRowsTQ2_0Z(out *float32, w *byte, stride int, rec *byte, nb int, rows int)

//go:noescape
func fillTQ2AVX512(rec *byte, x *byte, nb int)

// fillTQ2 lays out nb Q8_K blocks of x as records in rec (nb·tq2Record
// bytes): fillTQ2Generic, in vectors where the machine has AVX-512 (the
// 32 blocks of an 8,192-wide row: 707 ns in Go, 88 ns in vectors).
func fillTQ2(rec, x []byte, nb int) {
	if useAVX512 && nb > 0 {
		_ = rec[nb*tq2Record-1]
		_ = x[nb*q8KBlock-1]
		fillTQ2AVX512(&rec[0], &x[0], nb)
		return
	}
	fillTQ2Generic(rec, x, nb)
}

// fillTQ2Generic is fillTQ2 in Go.
func fillTQ2Generic(rec, x []byte, nb int) {
	for b := range nb {
		r, xb := rec[b*tq2Record:][:tq2Record], x[b*q8KBlock:][:q8KBlock]
		q8 := xb[4 : 4+256]
		for n := range 4 {
			copy(r[64*n:64*n+32], q8[32*n:32*n+32])
			copy(r[64*n+32:64*n+64], q8[128+32*n:128+32*n+32])
		}
		for l := range 8 {
			bs := int32(int16(binary.LittleEndian.Uint16(xb[260+4*l:]))) +
				int32(int16(binary.LittleEndian.Uint16(xb[262+4*l:])))
			binary.LittleEndian.PutUint32(r[256+4*l:], uint32(-bs))
		}
		clear(r[288:320])
		copy(r[320:324], xb[:4])
		clear(r[324:])
	}
}

// dotRowsTQ2_0Rec is dotRowsTQ2_0 with the activations as records
// (fillTQ2): the 512-bit kernel where it runs.
func dotRowsTQ2_0Rec(out []float32, w []byte, stride int, rec, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useVNNI || !useAVX512 {
		dotRowsTQ2_0(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*tq2Block-1]
	_ = rec[nb*tq2Record-1]
	dotRowsTQ2_0Z(&out[0], &w[0], stride, &rec[0], nb, rows)
}

//go:noescape
func dotRowsTQ2_0ZTwo(outA *float32, outB *float32, wA *byte, wB *byte, stride int, rec *byte, nb int, rows int)

//go:noescape
func dotRowsTQ2_0ZTwoGF(outA *float32, outB *float32, wA *byte, wB *byte, stride int, rec *byte, nb int, rows int)

//go:noescape
func dotRowsTQ2_0ZFourGF(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, stride int, rec *byte, nb int, rows int)

// tq2Four: where GFNI runs, dotRowsTQ2_0RecTwo reads each of its two runs
// as two halves, four streams (dotRowsTQ2_0ZFourGF); a variable so that
// the tests take both kernels.
var tq2Four = true

// dotRowsTQ2_0RecTwo is dotRowsTQ2_0Rec on two runs of rows at once, outA
// from wA and outB from wB (len(outA) = len(outB)), reading both as two
// streams side by side.
func dotRowsTQ2_0RecTwo(outA, outB []float32, wA, wB []byte, stride int, rec, x []byte, nb int) {
	rows := len(outA)
	if rows == 0 || nb == 0 || !useVNNI || !useAVX512 || len(outB) != rows {
		dotRowsTQ2_0Rec(outA, wA, stride, rec, x, nb)
		dotRowsTQ2_0Rec(outB, wB, stride, rec, x, nb)
		return
	}
	_ = wA[(rows-1)*stride+nb*tq2Block-1]
	_ = wB[(rows-1)*stride+nb*tq2Block-1]
	_ = rec[nb*tq2Record-1]
	if useGFNI && tq2Four {
		h := rows / 2
		if h > 0 {
			dotRowsTQ2_0ZFourGF(&outA[0], &outA[h], &outB[0], &outB[h], &wA[0], &wA[h*stride], &wB[0], &wB[h*stride], stride, &rec[0], nb, h)
		}
		if r := 2 * h; r < rows {
			dotRowsTQ2_0ZTwoGF(&outA[r], &outB[r], &wA[r*stride], &wB[r*stride], stride, &rec[0], nb, rows-r)
		}
		return
	}
	if useGFNI {
		dotRowsTQ2_0ZTwoGF(&outA[0], &outB[0], &wA[0], &wB[0], stride, &rec[0], nb, rows)
		return
	}
	dotRowsTQ2_0ZTwo(&outA[0], &outB[0], &wA[0], &wB[0], stride, &rec[0], nb, rows)
}

// tq2Kernel is kernelFor's TQ2_0 kernel where the 512-bit one runs: each
// token's activations are laid out as records once, then every row reads
// them (ok false elsewhere).
func (d *Device) tq2Kernel(n, nb int, wb []byte, rb int, xq []byte, xb int) (kernel, bool) {
	if !useVNNI || !useAVX512 {
		return kernel{}, false
	}
	rl := nb * tq2Record
	recs := d.scratch.pairs(n * rl)
	return kernel{
		align: 1,
		prep: func(i int) {
			fillTQ2(recs[i*rl:][:rl], xq[i*xb:][:xb], nb)
		},
		rows: func(out []float32, r0, tok int, x []byte) {
			dotRowsTQ2_0Rec(out, wb[r0*rb:], rb, recs[tok*rl:][:rl], x, nb)
		},
		rowsTwo: func(outA, outB []float32, wA, wB []byte) {
			dotRowsTQ2_0RecTwo(outA, outB, wA, wB, rb, recs[:rl], xq[:xb], nb)
		},
	}, true
}
