//go:build amd64 && gc && !purego

package cpu

//go:noescape
func readAheadAVX2(p *byte, n int)

// streamRead2AVX2 reads n bytes at p and n at p+off as two streams side by
// side (BenchmarkStreamRead's streams=2): one core reads two streams a
// megabyte or more apart faster than one.
//
//go:noescape
func streamRead2AVX2(p *byte, n int, off int) uint64

// readAhead brings b into the caches in address order. The four-token
// kernels read four rows (or two 8-row groups) at once; from memory that
// runs at half the speed of one stream on the machines measured
// (bench/cpu-earlier.md), so MatMul reads each tile ahead as one stream.
func readAhead(b []byte) {
	if n := len(b) &^ 63; n > 0 {
		readAheadAVX2(&b[0], n)
	}
}

// readsAhead: the workers read their next pieces ahead (aheadPlans).
const readsAhead = true

// prefetchL2 asks for the lines of the n bytes at p to be brought into
// the L2 cache (reading ahead, aheadPlans), returning at once. The
// addresses need not be mapped: a prefetch never faults.
//
//go:noescape
func prefetchL2(p uintptr, n int)
