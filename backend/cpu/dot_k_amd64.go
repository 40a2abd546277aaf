//go:build amd64 && gc && !purego

package cpu

import "golang.org/x/sys/cpu"

//go:noescape
func dotRowsQ4_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ4_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ6_KAVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ6_KVNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ4_K sets out[r] to Q4_K weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_K activations x.
func dotRowsQ4_K(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsQ4_KGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q4KBlock-1]
	_ = x[nb*q8KBlock-1]
	if useVNNI {
		dotRowsQ4_KVNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ4_KAVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

// dotRowsQ6_K sets out[r] to Q6_K weight row r (rows stride bytes apart, nb
// blocks each) dotted with the Q8_K activations x.
func dotRowsQ6_K(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 || !useAVX2 {
		dotRowsQ6_KGeneric(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q6KBlock-1]
	_ = x[nb*q8KBlock-1]
	if h := rows / 2; h > 0 && hasQ6KTwo() {
		// rows h apart, two streams
		dotRowsQ6_KTwoVNNI(&out[0], &out[h], &w[0], h*stride, stride, &x[0], nb, h)
		if rows%2 == 1 {
			dotRowsQ6_KVNNI(&out[rows-1], &w[(rows-1)*stride], stride, &x[0], nb, 1)
		}
		return
	}
	if useVNNI {
		dotRowsQ6_KVNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	} else {
		dotRowsQ6_KAVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	}
}

// dotRowsQ6_KTwoVNNI is dotRowsQ6_KVNNI on two runs of rows at once, a row
// of each in the halves of 512-bit vectors (the same sums for each row).
//
//go:noescape
func dotRowsQ6_KTwoVNNI(outA *float32, outB *float32, w *byte, dist int, stride int, x *byte, nb int, rows int)

// hasQ6KTwo reports whether dotRowsQ6_KTwoVNNI runs here.
func hasQ6KTwo() bool { return useVNNI && useAVX512 && useK4x4BW }

//go:noescape
func dotRowsQ4_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// useK4x4BW completes useVNNI's test for the four-token K-quant kernels,
// which keep their sums in Y16-Y31 (AVX-512 VL and BW).
var useK4x4BW = cpu.X86.HasAVX512BW

//go:noescape
func dotRowsQ4_Kx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsQ6_Kx4AVX2(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

//go:noescape
func dotRowsQ6_Kx4VNNI(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// dotRowsQ4_Kx4 is dotRowsQ4_K for four tokens: out[t] for the Q8_K row
// at x[t*xb:]. The outputs must be spaced evenly (as MatMul lays them
// out); it reports false where it cannot run.
func dotRowsQ4_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return rowsx4(dotRowsQ4_Kx4VNNI, dotRowsQ4_Kx4AVX2, q4KBlock, q8KBlock, out, w, stride, x, xb, nb)
}

// dotRowsQ6_Kx4 is dotRowsQ4_Kx4 for Q6_K weights.
func dotRowsQ6_Kx4(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool {
	return rowsx4(dotRowsQ6_Kx4VNNI, dotRowsQ6_Kx4AVX2, q6KBlock, q8KBlock, out, w, stride, x, xb, nb)
}
