package cpu

// Q5_0 × Q8_0 rows: ggml's AVX2 ggml_vec_dot_q5_0_q8_0 keeps the 8 lanes
// of dotLanes8 (dot_q.go), whose q5Vals unpack the signed levels (−16..15);
// dotRowsQ5_0Generic is that reference row after row.
func dotRowsQ5_0Generic(out []float32, w []byte, stride int, x []byte, nb int) {
	for r := range out {
		out[r] = dotQ5_0Lanes(nb, w[r*stride:], x)
	}
}

// dotQ5_0Lanes is the Go reference for Q5_0 rows, the one-row path's order.
func dotQ5_0Lanes(nb int, w, x []byte) float32 { return dotLanes8(nb, q5Block, w, x, q5Vals) }
