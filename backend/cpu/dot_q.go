package cpu

import (
	"encoding/binary"

	"github.com/tern-llm/tern/quant"
)

// Dot products of the 32-element block formats with Q8_0 activations, in the
// order of ggml's x86 kernels. ggml_vec_dot_q4_0_q8_0 (and q5_0, q8_0) and
// tinyBLAS keep 8 lanes: per block, lane l holds the integer sum of elements
// 4l..4l+3, converted to float and fused-multiply-added with the block's
// scale product d_w·d_x; the lanes are added at the end (hsum8). The Q4_0
// weights that ggml repacks (rows in groups of 8) are instead summed block by
// block: the whole block's integer sum times d_w·d_x, fused into one
// accumulator.

// Bytes of a block of each format.
const (
	q8Block = 34
	q4Block = 18
	q5Block = 22
)

func half(b []byte) float32 { return quant.F16ToF32(binary.LittleEndian.Uint16(b)) }

// q4Vals unpacks a Q4_0 block to its signed values.
func q4Vals(v *[32]int8, b []byte) {
	for j := range 16 {
		v[j] = int8(b[2+j]&0x0f) - 8
		v[j+16] = int8(b[2+j]>>4) - 8
	}
}

// q5Vals unpacks a Q5_0 block to its signed values.
func q5Vals(v *[32]int8, b []byte) {
	qh := binary.LittleEndian.Uint32(b[2:])
	for j := range 16 {
		v[j] = int8(b[6+j]&0x0f|byte(qh>>j&1)<<4) - 16
		v[j+16] = int8(b[6+j]>>4|byte(qh>>(j+16)&1)<<4) - 16
	}
}

func q8Vals(v *[32]int8, b []byte) {
	for j := range 32 {
		v[j] = int8(b[2+j])
	}
}

// dotLanes8 is the 8-lane kernel over nb blocks of weights (bb bytes each,
// unpacked by vals) and Q8_0 activations.
func dotLanes8(nb, bb int, w, x []byte, vals func(*[32]int8, []byte)) float32 {
	var acc [8]float32
	var v [32]int8
	for b := range nb {
		wb, xb := w[b*bb:(b+1)*bb], x[b*q8Block:(b+1)*q8Block]
		vals(&v, wb)
		d := half(wb) * half(xb)
		for l := range 8 {
			var s int32
			for e := 4 * l; e < 4*l+4; e++ {
				s += int32(v[e]) * int32(int8(xb[2+e]))
			}
			acc[l] = fma32(d, float32(s), acc[l])
		}
	}
	return hsum8(&acc)
}

// dotBlocks is the block-by-block kernel of ggml's repacked Q4_0.
func dotBlocks(nb, bb int, w, x []byte, vals func(*[32]int8, []byte)) float32 {
	var acc float32
	var v [32]int8
	for b := range nb {
		wb, xb := w[b*bb:(b+1)*bb], x[b*q8Block:(b+1)*q8Block]
		vals(&v, wb)
		var s int32
		for e := range 32 {
			s += int32(v[e]) * int32(int8(xb[2+e]))
		}
		acc = fma32(float32(s), half(wb)*half(xb), acc)
	}
	return acc
}

// dotRowsQ8_0Generic is dotRowsQ8_0 in Go.
func dotRowsQ8_0Generic(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotLanes8(nb, q8Block, w[r*stride:], x, q8Vals)
	}
}
