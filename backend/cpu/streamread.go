package cpu

import "encoding/binary"

// StreamRead reads every byte of b as the decode kernels read weights
// (256-bit loads where the machine has AVX2) and returns the sum of its
// little-endian 64-bit words, a trailing partial word zero-extended, so
// that no read can be left out. It is the memory-bandwidth probe of
// calibration: a Go loop of scalar loads read about a fifth less here (48
// against 61 GB/s on 2 threads), which put the decode roofline closer
// than it is.
func StreamRead(b []byte) uint64 {
	s, n := streamHead(b)
	return s + sumWords(b[n:])
}

// twoStreamBytes is the size from which streamHead reads b as two streams,
// its halves side by side, as the amd64 one-token kernels read a matrix of
// that size (kernel.rowsTwo): one core reads two streams a megabyte or more
// apart faster than one (71-72 against 53-55 GB/s on 2 threads, bench/cpu-earlier.md),
// so a one-stream probe put the decode roofline below what the kernels read.
const twoStreamBytes = 2 << 20

// sumWords is StreamRead in Go: eight independent sums, so that the loop
// is bound by loads rather than by one chain of additions.
func sumWords(b []byte) uint64 {
	var s [8]uint64
	i := 0
	for ; i+64 <= len(b); i += 64 {
		c := b[i : i+64 : i+64]
		for j := range s {
			s[j] += binary.LittleEndian.Uint64(c[8*j:])
		}
	}
	for ; i+8 <= len(b); i += 8 {
		s[0] += binary.LittleEndian.Uint64(b[i:])
	}
	if i < len(b) {
		var w [8]byte
		copy(w[:], b[i:])
		s[1] += binary.LittleEndian.Uint64(w[:])
	}
	return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7]
}

// HugeBytes returns n zeroed bytes in memory of 2 MiB pages where the
// system gives them (plain Go memory otherwise, or below 2 MiB), and the
// function that releases them: the memory the device keeps weights in
// (Q4_0's repacked copies, Map's copies), so the memory a bandwidth probe
// should read for a roofline of their products.
func HugeBytes(n int) ([]byte, func()) { return hugeBytes(n) }
