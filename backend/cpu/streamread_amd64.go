//go:build amd64 && gc && !purego

package cpu

//go:noescape
func streamReadAVX2(p *byte, n int) uint64

// streamHead reads the longest prefix of b that is a multiple of 128
// bytes with 256-bit loads, and returns its sum and length.
func streamHead(b []byte) (uint64, int) {
	n := len(b) &^ 127
	if !useAVX2 || n == 0 {
		return 0, 0
	}
	if n >= twoStreamBytes {
		return streamRead2AVX2(&b[0], n/2, n/2), n
	}
	return streamReadAVX2(&b[0], n), n
}
