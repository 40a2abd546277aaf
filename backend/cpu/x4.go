package cpu

// The four-token (prefill) assembly kernels of every architecture take
// their operands as base pointers and strides: these check that the Go
// slices they are handed have the sizes and the even spacing the kernels
// assume, so that the assembly never reads or writes outside them.

// multiToken is the number of tokens the prefill kernels take at once (on
// arm64 they need FEAT_DotProd and decline without it).
const multiToken = 4

// kernelX4 is the signature of the four-token row kernels: rows weight rows
// stride bytes apart against four activation rows xstride bytes apart,
// into four output rows ostride bytes apart.
type kernelX4 func(out *float32, ostride int, w *byte, stride int, rows int, x *byte, xstride int, nb int)

// runX4 runs kern on weight rows of nb blocks of block bytes and four
// activation rows of nb blocks of xblock bytes, xb bytes apart, reporting
// false (kern not run) when the outputs are not spaced evenly or a size is
// zero. The caller checks the CPU features.
func runX4(kern kernelX4, block, xblock int, out [multiToken][]float32, w []byte, stride int, x []byte, xb, nb int) bool {
	rows := len(out[0])
	if rows == 0 || nb == 0 {
		return false
	}
	_ = w[(rows-1)*stride+nb*block-1]
	_ = x[(multiToken-1)*xb+nb*xblock-1]
	os := ptrDiff(&out[1][0], &out[0][0])
	for t := range multiToken {
		if len(out[t]) < rows || ptrDiff(&out[t][0], &out[0][0]) != t*os {
			return false
		}
	}
	kern(&out[0][0], os, &w[0], stride, rows, &x[0], xb, nb)
	return true
}

// groupStrides checks a four-token call of the repacked Q4_0 kernel
// (len(out[0])/8 groups of nb blocks in w, activations acts[0…3]) and
// returns the byte spacing of the outputs, the activations' quants and
// their biases and scales (one spacing for both), or ok false when they
// are not spaced evenly or a size is zero.
func groupStrides(out [multiToken][]float32, w []byte, nb int, acts []q4Act) (groups, os, xs, bs int, ok bool) {
	return groupStridesOf(out, w, nb, acts, q4GroupRows, q4Block, q8Block)
}

// groupStridesOf is groupStrides for groups of gr rows of block-byte
// blocks, activations of xblock-byte blocks.
func groupStridesOf(out [multiToken][]float32, w []byte, nb int, acts []q4Act, gr, block, xblock int) (groups, os, xs, bs int, ok bool) {
	if len(acts) < multiToken || nb == 0 || len(out[0]) < gr {
		return 0, 0, 0, 0, false
	}
	groups = len(out[0]) / gr
	_ = w[groups*nb*gr*block-1]
	a0 := &acts[0]
	for t := range multiToken {
		_ = out[t][groups*gr-1]
		_, _, _ = acts[t].q[nb*xblock-1], acts[t].bias[nb-1], acts[t].d[nb-1]
	}
	xs = ptrDiff(&acts[1].q[0], &a0.q[0])
	bs = ptrDiff(&acts[1].bias[0], &a0.bias[0])
	os = ptrDiff(&out[1][0], &out[0][0])
	if ptrDiff(&acts[1].d[0], &a0.d[0]) != bs {
		return 0, 0, 0, 0, false
	}
	for t := 2; t < multiToken; t++ {
		if ptrDiff(&acts[t].q[0], &a0.q[0]) != t*xs || ptrDiff(&acts[t].bias[0], &a0.bias[0]) != t*bs ||
			ptrDiff(&acts[t].d[0], &a0.d[0]) != t*bs || ptrDiff(&out[t][0], &out[0][0]) != t*os {
			return 0, 0, 0, 0, false
		}
	}
	return groups, os, xs, bs, true
}
