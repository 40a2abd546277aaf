package cpu

// scratch is a device's reusable working memory: ops take what they need
// for one call, so a steady stream of same-sized steps allocates nothing.
// Only the goroutine calling the op (never a worker) grows it.
type scratch struct {
	buf  []byte
	acts []q4Act
	bias []int32
	d    []float32
}

// bytes returns n bytes, contents undefined.
func (s *scratch) bytes(n int) []byte {
	if cap(s.buf) < n {
		s.buf = make([]byte, n+n/4)
	}
	return s.buf[:n]
}

// q4acts returns n activation rows' repacked-Q4_0 extras of nb blocks.
func (s *scratch) q4acts(n, nb int) []q4Act {
	if cap(s.acts) < n {
		s.acts = make([]q4Act, n)
	}
	if cap(s.bias) < n*nb {
		s.bias = make([]int32, n*nb)
		s.d = make([]float32, n*nb)
	}
	acts := s.acts[:n]
	for i := range acts {
		acts[i].bias = s.bias[i*nb : (i+1)*nb]
		acts[i].d = s.d[i*nb : (i+1)*nb]
	}
	return acts
}
