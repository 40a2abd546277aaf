//go:build amd64 && gc && !purego

package cpu

//go:noescape
func dotRowsQ8_0PairsAVX512(out *float32, ostride int, w *byte, stride int, rows int, p *byte, pstride int, nb int)

// hasQ8Pairs reports whether dotRowsQ8_0Pairs runs here (AVX-512 with VNNI).
func hasQ8Pairs() bool { return useAVX512 && useVNNI }

// dotRowsQ8_0Pairs is dotRowsQ8_0 for four tokens whose activations are in
// pair records (fillQ8Pair): tokens 0 and 1 at pairs, 2 and 3 at
// pairs+pstride; out[t][r] for weight row r (rows stride bytes apart, nb
// blocks each). It reports false when the machine lacks the kernel or the
// outputs are not evenly spaced.
func dotRowsQ8_0Pairs(out [multiToken][]float32, w []byte, stride int, pairs []byte, pstride, nb int) bool {
	rows := len(out[0])
	if !hasQ8Pairs() || rows == 0 || nb == 0 {
		return false
	}
	_ = w[(rows-1)*stride+nb*q8Block-1]
	_ = pairs[pstride+nb*q8PairRecord-1]
	os := ptrDiff(&out[1][0], &out[0][0])
	for t := range multiToken {
		if len(out[t]) < rows || ptrDiff(&out[t][0], &out[0][0]) != t*os {
			return false
		}
	}
	dotRowsQ8_0PairsAVX512(&out[0][0], os, &w[0], stride, rows, &pairs[0], pstride, nb)
	return true
}
