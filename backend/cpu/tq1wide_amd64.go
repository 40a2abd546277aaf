//go:build amd64 && gc && !purego

package cpu

// wideTQ1 is whether TQ1_0 weights with a multiple of 16 rows are
// repacked (see tq1wide.go): the machine has AVX-512 with VNNI. It is
// fixed at start, as wideQ4 is.
var wideTQ1 = useVNNI && useAVX512

//go:noescape
func dotWideTQ1_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideTQ1_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// tq1WideShape is repacked TQ1_0's wideShape.
var tq1WideShape = wideShape{tq1Block, q8KBlock, 8}

// dotWideTQ1_0 sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillTQ1Wide).
func dotWideTQ1_0(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideTQ1_0VNNI, dotWideTQ1_0Generic, tq1WideShape, out, w, nb, a)
}

// dotWideTQ1_0x4 is dotWideTQ1_0 for four tokens: out[t] for acts[t].
func dotWideTQ1_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideTQ1_0x4VNNI, tq1WideShape, out, w, nb, acts)
}
