//go:build amd64 && gc && !purego

package cpu

// wideQ41 is whether Q4_1 and Q5_1 weights with a multiple of 16 rows are
// repacked (see q41wide.go): the machine has AVX-512 with VNNI. It is
// fixed at start, as wideQ4 is.
var wideQ41 = useVNNI && useAVX512

//go:noescape
func dotWideQ4_1VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ5_1VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ4_1TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ5_1TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ4_1x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

//go:noescape
func dotWideQ5_1x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// q41WideShape and q51WideShape are repacked Q4_1's and Q5_1's wideShape.
var (
	q41WideShape = wideShape{q41Block, q81Block, 1}
	q51WideShape = wideShape{q51Block, q81Block, 1}
)

// dotWideQ4_1 and dotWideQ5_1 set out[16g+r] to row r of repacked group g
// (len(out)/16 groups of nb blocks) dotted with the activations a
// (fillQ41Wide).
func dotWideQ4_1(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ4_1VNNI, dotWideQ4_1Generic, q41WideShape, out, w, nb, a)
}

func dotWideQ5_1(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ5_1VNNI, dotWideQ5_1Generic, q51WideShape, out, w, nb, a)
}

// dotWideQ4_1Two and dotWideQ5_1Two are the one-run kernels on two runs of
// groups at once, outA from wA and outB from wB (len(outA) = len(outB)),
// read side by side: two streams.
func dotWideQ4_1Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideTwo(dotWideQ4_1TwoVNNI, dotWideQ4_1, q41WideShape, outA, outB, wA, wB, nb, a)
}

func dotWideQ5_1Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	wideTwo(dotWideQ5_1TwoVNNI, dotWideQ5_1, q51WideShape, outA, outB, wA, wB, nb, a)
}

// dotWideQ4_1x4 and dotWideQ5_1x4 are the one-run kernels for four tokens:
// out[t] for acts[t].
func dotWideQ4_1x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ4_1x4VNNI, q41WideShape, out, w, nb, acts)
}

func dotWideQ5_1x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ5_1x4VNNI, q51WideShape, out, w, nb, acts)
}
