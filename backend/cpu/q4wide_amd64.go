//go:build amd64 && gc && !purego

package cpu

// wideQ4 is whether Q4_0 weights are repacked in groups of 16 rows (see
// repack.go): the machine has AVX-512 with VNNI. It is fixed at start, so
// that a repacked copy and the kernels reading it agree (tests switch the
// kernels' levels, never the layout).
var wideQ4 = useVNNI && useAVX512

//go:noescape
func dotWideQ4_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ4_0x4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)

// q4WideShape is repacked Q4_0's wideShape (groups of 16 rows).
var q4WideShape = wideShape{q4Block, q8Block, 1}

// dotWideQ4_0 sets out[16g+r] to row r of 16-row group g (len(out)/16
// groups of nb blocks, contiguous) dotted with the activations a.
func dotWideQ4_0(out []float32, w []byte, nb int, a *q4Act) {
	wideOne(dotWideQ4_0VNNI, dotWideQ4_0Generic, q4WideShape, out, w, nb, a)
}

//go:noescape
func dotWideQ4_0TwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotWideQ4_0FourVNNI(outA *float32, outB *float32, outC *float32, outD *float32, wA *byte, wB *byte, wC *byte, wD *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// q4Four: dotWideQ4_0Two reads each of its two runs as two halves, four
// streams (dotWideQ4_0FourVNNI), an odd last group by dotWideQ4_0TwoVNNI;
// a variable so that the tests take both kernels.
var q4Four = true

// dotWideQ4_0Two is dotWideQ4_0 on two runs of 16-row groups at once,
// outA from wA and outB from wB (len(outA) = len(outB)), reading both as
// two streams side by side (four where q4Four).
func dotWideQ4_0Two(outA, outB []float32, wA, wB []byte, nb int, a *q4Act) {
	groups, gb := wideRuns(dotWideQ4_0, q4WideShape, outA, outB, wA, wB, nb, a)
	if groups == 0 {
		return
	}
	if q4Four {
		h := groups / 2
		if h > 0 {
			hw, ho := h*gb, h*q4WideRows
			dotWideQ4_0FourVNNI(&outA[0], &outA[ho], &outB[0], &outB[ho], &wA[0], &wA[hw], &wB[0], &wB[hw], h, &a.q[0], &a.bias[0], &a.d[0], nb)
		}
		if g := 2 * h; g < groups {
			gw, og := g*gb, g*q4WideRows
			dotWideQ4_0TwoVNNI(&outA[og], &outB[og], &wA[gw], &wB[gw], groups-g, &a.q[0], &a.bias[0], &a.d[0], nb)
		}
		return
	}
	dotWideQ4_0TwoVNNI(&outA[0], &outB[0], &wA[0], &wB[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
}

// dotWideQ4_0x4 is dotWideQ4_0 for four tokens: out[t] for acts[t]. The
// activation rows must be spaced evenly (as scratch lays them out).
func dotWideQ4_0x4(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool {
	return wideX4(dotWideQ4_0x4VNNI, q4WideShape, out, w, nb, acts)
}
