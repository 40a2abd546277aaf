package cpu

import "encoding/binary"

// Q5_1 × Q8_1 rows in the order of ggml's AVX2 ggml_vec_dot_q5_1_q8_1, the
// same as Q4_1's (dotLanes8Min, see dot_q41.go) with 5-bit levels (0..31).
const q51Block = 24 // d, m (F16), 4 bytes of fifth bits, 16 bytes of nibbles

// q51Vals unpacks a Q5_1 block to its levels.
func q51Vals(v *[32]int8, b []byte) {
	qh := binary.LittleEndian.Uint32(b[4:])
	for j := range 16 {
		v[j] = int8(b[8+j]&0x0f | byte(qh>>j&1)<<4)
		v[j+16] = int8(b[8+j]>>4 | byte(qh>>(j+16)&1)<<4)
	}
}

// dotQ5_1Lanes is the Go reference for Q5_1 rows.
func dotQ5_1Lanes(nb int, w, x []byte) float32 { return dotLanes8Min(nb, q51Block, w, x, q51Vals) }

// dotRowsQ5_1Generic sets out[r] to Q5_1 weight row r (stride bytes apart)
// dotted with the Q8_1 activations x.
func dotRowsQ5_1Generic(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ5_1Lanes(nb, w[r*stride:], x)
	}
}
