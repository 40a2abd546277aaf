//go:build amd64 && gc && !purego

package cpu

// wideIQ4NL is whether IQ4_NL weights with a multiple of 16 rows are
// repacked (see iq4nlwide.go): the machine has AVX-512 with VNNI. It is
// fixed at start, as wideQ4 is.
var wideIQ4NL = useVNNI && useAVX512

//go:noescape
func dotWideIQ4_NLVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideIQ4_NLx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// iq4nlWideShape is repacked IQ4_NL's wideShape.
var iq4nlWideShape = wideShape{iq4nlBlock, q8Block, 8}

// dotWideIQ4_NL sets out[16g+r] to row r of repacked group g (len(out)/16
// groups of nb blocks) dotted with the activations a (fillIQ4NLWide).
func dotWideIQ4_NL(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideIQ4_NLVNNI, dotWideIQ4_NLGeneric, iq4nlWideShape, out, w, nb, a)
}

// dotWideIQ4_NLx4 is dotWideIQ4_NL for four tokens: out[t] for acts[t].
func dotWideIQ4_NLx4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideIQ4_NLx4VNNI, iq4nlWideShape, out, w, nb, acts)
}
