package cpu

// Q4_0 × Q8_0 rows that are not repacked (a row count not a multiple of 8):
// ggml's x86 ggml_vec_dot_q4_0_q8_0 keeps the 8 lanes of dotLanes8
// (dot_q.go) over q4Vals' levels (−8..7); dotRowsQ4_0Generic is that
// reference row after row.
func dotRowsQ4_0Generic(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ4_0Lanes(nb, w[r*stride:], x)
	}
}

// dotQ4_0Lanes is the Go reference for Q4_0 rows, the one-row path's order
// (rowDotFor with m not a multiple of 8).
func dotQ4_0Lanes(nb int, w, x []byte) float32 { return dotLanes8(nb, q4Block, w, x, q4Vals) }
