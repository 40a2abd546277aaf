package sample

import "math"

// The filter stages and the final draw. See the package comment for their order.

const (
	// negligibleLogit: a token whose (tempered) logit is this far below the best one
	// weighs at most e^-45 ≈ 2.9e-20 of it, so even 256k such tokens move the total by
	// less than 1e-14, beneath the rounding of the sum itself. Full-vocabulary passes
	// skip their exponentials.
	negligibleLogit = -45

	// topPFirstCap is how many of the best tokens top-p sorts first when no top-k has cut
	// the vocabulary (llama.cpp uses 256 too); a real model's nucleus rarely needs more.
	topPFirstCap = 256
	// topPGrowth widens the cap when the nucleus is not covered yet; each round is one
	// pass over the vocabulary.
	topPGrowth = 16
)

// filter runs top-k, top-p and min-p over the penalized logits src. It returns all ==
// true when no stage was set, so every token remains and the draw reads src (whose finite
// maximum is m); otherwise the survivors are in s.cand. It fails only when no token is
// possible.
func (s *Sampler) filter(src []float32) (all bool, m float32, err error) {
	n := len(src)
	p := s.p
	topP := p.TopP > 0 && p.TopP < 1
	minP := p.MinP > 0
	if p.TopK > 0 && p.TopK < n {
		s.cand = topK(s.cand, src, p.TopK)
		if s.cand, err = trimSorted(s.cand); err != nil {
			return false, 0, err
		}
	} else {
		m = maxLogit(src)
		switch {
		case math.IsInf(float64(m), -1):
			return false, 0, ErrNoCandidates
		case math.IsInf(float64(m), 1):
			s.cand = s.cand[:0]
			for i, v := range src {
				if v == m {
					s.cand = append(s.cand, cand{v: 0, id: int32(i)})
				}
			}
		case topP:
			s.cand = s.nucleusAll(src, m, p.TopP)
			topP = false
		case minP:
			// Unsorted: the draw does not need order.
			thr := float64(m) + math.Log(float64(p.MinP))
			s.cand = s.cand[:0]
			for i, v := range src {
				if float64(v) >= thr {
					s.cand = append(s.cand, cand{v: v, id: int32(i)})
				}
			}
			return false, 0, nil
		default:
			return true, m, nil
		}
	}
	// s.cand is sorted best first, finite, and not empty.
	if topP {
		s.cand = s.cand[:s.nucleusSorted(s.cand, p.TopP)]
	}
	if minP {
		thr := float64(s.cand[0].v) + math.Log(float64(p.MinP))
		j := 1
		for j < len(s.cand) && float64(s.cand[j].v) >= thr {
			j++
		}
		s.cand = s.cand[:j]
	}
	return false, 0, nil
}

// trimSorted prepares a best-first candidate list: drops -Inf entries, and when the best
// is +Inf keeps only the +Inf entries, at logit 0, so that they share the mass equally.
func trimSorted(c []cand) ([]cand, error) {
	if len(c) == 0 || math.IsInf(float64(c[0].v), -1) {
		return c, ErrNoCandidates
	}
	if math.IsInf(float64(c[0].v), 1) {
		j := 0
		for j < len(c) && math.IsInf(float64(c[j].v), 1) {
			c[j].v = 0
			j++
		}
		return c[:j], nil
	}
	j := len(c)
	for math.IsInf(float64(c[j-1].v), -1) {
		j--
	}
	return c[:j], nil
}

// maxLogit is the largest value of x, ignoring NaN; -Inf when there is none.
func maxLogit(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// nucleusSorted returns how many of the best-first, finite candidates c form the smallest
// prefix whose softmax mass (temperature 1) reaches p; at least 1.
func (s *Sampler) nucleusSorted(c []cand, p float32) int {
	s.w = grow(s.w, len(c))
	top := float64(c[0].v)
	z := 0.0
	for i, cd := range c {
		s.w[i] = math.Exp(float64(cd.v) - top)
		z += s.w[i]
	}
	target := float64(p) * z
	cum := 0.0
	for i, w := range s.w {
		cum += w
		if cum >= target {
			return i + 1
		}
	}
	return len(c)
}

// nucleusAll is top-p over the whole vocabulary (finite best logit m): it sums the mass
// once, then sorts only the best topPFirstCap tokens, widening the cap until the nucleus
// is covered. It returns the nucleus, best first.
func (s *Sampler) nucleusAll(src []float32, m float32, p float32) []cand {
	top := float64(m)
	z := 0.0
	for _, v := range src {
		if d := float64(v) - top; d > negligibleLogit {
			z += math.Exp(d)
		}
	}
	target := float64(p) * z
	n := len(src)
	for c := topPFirstCap; ; c *= topPGrowth {
		c = min(c, n)
		s.cand = topK(s.cand, src, c)
		cum := 0.0
		for i, cd := range s.cand {
			if d := float64(cd.v) - top; d > negligibleLogit {
				cum += math.Exp(d)
			}
			if cum >= target {
				return s.cand[:i+1]
			}
		}
		if c == n {
			// Rounding kept the sum just short of p·z: the nucleus is every token.
			c, _ := trimSorted(s.cand)
			return c
		}
	}
}

// drawCand picks one of s.cand (not empty, finite) with probability softmax(v/T), using
// the uniform number u in [0, 1).
func (s *Sampler) drawCand(u float64) int32 {
	c := s.cand
	m := c[0].v
	for _, cd := range c[1:] {
		m = max(m, cd.v)
	}
	top, invT := float64(m), 1/float64(s.p.Temperature)
	s.w = grow(s.w, len(c))
	z := 0.0
	for i, cd := range c {
		w := 0.0
		if d := (float64(cd.v) - top) * invT; d > negligibleLogit {
			w = math.Exp(d)
		}
		s.w[i] = w
		z += w
	}
	// The scan adds the same weights in the same order, so it ends at z exactly and the
	// first cumulative sum above u·z < z exists; a zero weight never passes the test.
	target := u * z
	cum := 0.0
	last := 0
	for i, w := range s.w {
		if w == 0 {
			continue
		}
		cum += w
		if cum > target {
			return c[i].id
		}
		last = i
	}
	return c[last].id // u·z rounded up to z
}

// drawAll picks a token of src, whose finite maximum is m, with probability softmax(v/T):
// the path with no filter, one exponential per non-negligible token.
func (s *Sampler) drawAll(src []float32, m float32, u float64) int32 {
	top, invT := float64(m), 1/float64(s.p.Temperature)
	s.wAll = grow(s.wAll, len(src))
	w := s.wAll
	z := 0.0
	for i, v := range src {
		wi := float32(0)
		if d := (float64(v) - top) * invT; d > negligibleLogit {
			wi = float32(math.Exp(d))
		}
		w[i] = wi
		z += float64(wi)
	}
	target := u * z
	cum := 0.0
	last := 0
	for i, wi := range w {
		if wi == 0 {
			continue
		}
		cum += float64(wi)
		if cum > target {
			return int32(i)
		}
		last = i
	}
	return int32(last)
}

// topK returns, in buf's storage, the k (1 <= k <= len(x)) best tokens of x, best first:
// higher logit, then lower id. NaN counts as -Inf. It keeps a min-heap of the best k seen,
// so a token that does not beat the k-th best costs one comparison.
func topK(buf []cand, x []float32, k int) []cand {
	h := grow(buf, k)
	for i, v := range x[:k] {
		if v != v {
			v = float32(math.Inf(-1))
		}
		h[i] = cand{v: v, id: int32(i)}
	}
	for i := k/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	// Later tokens have higher ids, so a tie with the root loses: strict > is the rank
	// test. NaN compares false and never enters.
	floor := h[0].v
	for j, v := range x[k:] {
		if v > floor {
			h[0] = cand{v: v, id: int32(k + j)}
			siftDown(h, 0)
			floor = h[0].v
		}
	}
	// Heap sort: moving the worst to the end leaves the list best first.
	for end := k - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		siftDown(h[:end], 0)
	}
	return h
}

// worse reports whether a ranks below b.
func worse(a, b cand) bool { return a.v < b.v || (a.v == b.v && a.id > b.id) }

// siftDown restores the min-heap (worst at the root) below i.
func siftDown(h []cand, i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && worse(h[r], h[l]) {
			m = r
		}
		if !worse(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
