package cpu

import "unsafe"

// scratch is a device's reusable working memory: ops take what they need
// for one call, so a steady stream of same-sized steps allocates nothing.
// Only the goroutine calling the op (never a worker) grows it.
type scratch struct {
	attn []attnBuf
	buf  []byte
	acts []q4Act
	bias []int32
	d    []float32
	u    []byte    // Q8_0 quants plus 128, for the unsigned-activation kernels
	pair []byte    // Q8_0 pair records (dot_q8_0p.go), cache-line aligned
	f    []float32 // activations widened to float32
	// gen counts the reallocations of the buffers above: a kernel made
	// with them (kernelFor's closures hold them) stays valid while gen
	// does (oneKernel).
	gen uint64
}

// floats returns n float32s, contents undefined.
func (s *scratch) floats(n int) []float32 {
	if cap(s.f) < n {
		s.f = make([]float32, n)
		s.gen++
	}
	return s.f[:n]
}

// unsigned returns n bytes of u.
func (s *scratch) unsigned(n int) []byte {
	if cap(s.u) < n {
		s.u = make([]byte, n)
		s.gen++
	}
	s.u = s.u[:n]
	return s.u
}

// pairs returns n bytes of pair records starting on a cache line (the
// kernel reads them 64 bytes at a time), contents undefined.
func (s *scratch) pairs(n int) []byte {
	if cap(s.pair) < n+cacheLine {
		s.pair = make([]byte, n+cacheLine)
		s.gen++
	}
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(s.pair)))) & (cacheLine - 1)
	return s.pair[off : off+n]
}

// cacheLine is the size of a cache line on the machines the kernels target.
const cacheLine = 64

// bytes returns n bytes, contents undefined.
func (s *scratch) bytes(n int) []byte {
	if cap(s.buf) < n {
		s.buf = make([]byte, n+n/4)
		s.gen++
	}
	return s.buf[:n]
}

// q4acts returns n activation rows' repacked-Q4_0 extras of nb blocks.
func (s *scratch) q4acts(n, nb int) []q4Act {
	if cap(s.acts) < n {
		s.acts = make([]q4Act, n)
		s.gen++
	}
	if cap(s.bias) < n*nb {
		s.bias = make([]int32, n*nb)
		s.d = make([]float32, n*nb)
		s.gen++
	}
	acts := s.acts[:n]
	for i := range acts {
		acts[i].bias = s.bias[i*nb : (i+1)*nb]
		acts[i].d = s.d[i*nb : (i+1)*nb]
	}
	return acts
}

// attnBuf is one share's attention scratch.
type attnBuf struct {
	scores []float32 // (group, span): a head's positions, span apart
	span   int
	k, v   []float32 // (kvHeads·headDim) a dequantized cache row
	acc    []float32 // (group, lanes): softmax·V lane accumulators, kept zeroed between uses
	// kw and vw are a cache block's rows of one key-value head widened
	// from F16: (block size, headDim).
	kw, vw []float32
}

// attention returns per-share attention buffers for up to positions
// positions, their scores made room for up to room (the block tables'
// positions), so that the steps of a growing sequence do not grow them;
// scores and acc for group query heads at once.
func (s *scratch) attention(shares, positions, room, cols, acc, block, group int) []attnBuf {
	if len(s.attn) < shares {
		s.attn = make([]attnBuf, shares)
	}
	positions = max(positions, svShortMax) // svShort reads a short head's weights that far
	for i := range s.attn[:shares] {
		b := &s.attn[i]
		if b.span < positions || len(b.scores) < group*b.span {
			b.span = max(positions, room, b.span)
			b.scores = make([]float32, group*b.span)
		}
		if cap(b.k) < cols {
			b.k, b.v = make([]float32, cols), make([]float32, cols)
		}
		b.k, b.v = b.k[:cols], b.v[:cols] // exactly one cache row: Dequantize takes its length from them
		if cap(b.acc) < group*acc {
			b.acc = make([]float32, group*acc)
		}
		b.acc = b.acc[:group*acc]
		if cap(b.kw) < block {
			b.kw, b.vw = make([]float32, block), make([]float32, block)
		}
		b.kw, b.vw = b.kw[:block], b.vw[:block]
	}
	return s.attn[:shares]
}

// ptrDiff is the byte distance from b to a.
func ptrDiff[T any](a, b *T) int { return int(uintptr(unsafe.Pointer(a)) - uintptr(unsafe.Pointer(b))) }
