package sample

import "math"

// The filter stages and the final draw. See the package comment for their order.

const (
	// negligibleLogit: a token whose (tempered) logit is this far below the best one
	// weighs at most e^-45 ≈ 2.9e-20 of it, so even 256k such tokens move the total by
	// less than 1e-14, beneath the rounding of the sum itself. Full-vocabulary passes
	// skip their exponentials.
	negligibleLogit = -45

	// heapMaxK is the largest top-k served by the bounded heap; past it, a quickselect
	// over the whole vocabulary costs less than k·log k heap work.
	heapMaxK = 4096

	// sortBelow is the range size under which selectMass sorts instead of partitioning.
	sortBelow = 24

	// nucleusBuckets histogram the probability mass by distance below the best logit,
	// over (negligibleLogit, 0]: 0.044 nats a bucket, fine enough that the one bucket
	// the nucleus ends in holds few tokens, and 8 KiB, small enough to stay in L1.
	nucleusBuckets = 1024
	bucketScale    = float64(nucleusBuckets) / -negligibleLogit

	// drawBlock is how many weights share one partial sum, so that the draw scans
	// V/drawBlock sums and then one block instead of V weights.
	drawBlock = 256
)

// filter runs top-k, top-p and min-p over the penalized logits src. It returns all ==
// true when no stage was set, so every token remains and the draw reads src (whose finite
// maximum is m); otherwise the survivors are in s.cand, in no particular order. It fails
// only when no token is possible.
func (s *Sampler) filter(src []float32) (all bool, m float32, err error) {
	n := len(src)
	p := s.p
	topP := p.TopP > 0 && p.TopP < 1
	minP := p.MinP > 0
	if p.TopK > 0 && p.TopK < n {
		if p.TopK <= heapMaxK {
			s.cand = topK(s.cand, src, p.TopK)
		} else {
			s.cand, s.w = s.cand[:0], s.w[:0]
			for i, v := range src {
				if v == v {
					s.cand = append(s.cand, cand{v: v, id: int32(i)})
					s.w = append(s.w, 1)
				}
			}
			// Unit weights turn "the smallest prefix reaching mass K" into top-k.
			s.cand = s.cand[:selectMass(s.cand, s.w, float64(p.TopK))]
		}
		if s.cand, err = trim(s.cand); err != nil {
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
			s.cand = s.cand[:0]
			thr := float64(m) + math.Log(float64(p.MinP))
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
	s.narrow(topP, minP)
	return false, 0, nil
}

// narrow runs the top-p and min-p stages (as asked) over s.cand, which is finite and not
// empty. The result depends on the order of s.cand (selectMass partitions it, the draw
// walks it): after top-k it is best first, whether filter's topK or SampleTop's caller
// selected it, so the two paths keep the same tokens in the same order.
func (s *Sampler) narrow(topP, minP bool) {
	p := s.p
	if topP {
		top := float64(maxCand(s.cand))
		s.w = grow(s.w, len(s.cand))
		z := 0.0
		for i, cd := range s.cand {
			s.w[i] = expNeg(float64(cd.v) - top)
			z += s.w[i]
		}
		s.cand = s.cand[:selectMass(s.cand, s.w, float64(p.TopP)*z)]
	}
	if minP {
		thr := float64(maxCand(s.cand)) + math.Log(float64(p.MinP))
		j := 0
		for _, cd := range s.cand {
			if float64(cd.v) >= thr {
				s.cand[j] = cd
				j++
			}
		}
		s.cand = s.cand[:j]
	}
}

// trim prepares a candidate list without NaN: when the best is +Inf it keeps only the
// +Inf entries, at logit 0, so that they share the mass equally; else it drops the -Inf
// entries. It fails when nothing is left.
func trim(c []cand) ([]cand, error) {
	m := maxCand(c)
	j := 0
	for _, cd := range c {
		switch {
		case math.IsInf(float64(m), 1):
			if cd.v != m {
				continue
			}
			cd.v = 0
		case math.IsInf(float64(cd.v), -1):
			continue
		}
		c[j] = cd
		j++
	}
	if j == 0 {
		return c[:0], ErrNoCandidates
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

func maxCand(c []cand) float32 {
	m := float32(math.Inf(-1))
	for _, cd := range c {
		m = max(m, cd.v)
	}
	return m
}

// nucleusAll is top-p over the whole vocabulary, whose finite best logit is m, without
// sorting it. One pass takes the total mass and a histogram of it by distance below m;
// the buckets above the one where the running mass reaches p·total are wholly in the
// nucleus, and a second pass gathers them, then the boundary bucket's tokens, among which
// selectMass finds the rest. Equal logits share a bucket, so ties still go by id.
func (s *Sampler) nucleusAll(src []float32, m float32, p float32) []cand {
	top := float64(m)
	mass := &s.buckets
	*mass = [nucleusBuckets]float64{}
	z := 0.0
	for _, v := range src {
		if d := float64(v) - top; d > negligibleLogit {
			w := expNeg(d)
			z += w
			mass[bucketOf(d)] += w
		}
	}
	target := float64(p) * z
	edge, above := -1, 0.0
	for b, bm := range mass {
		if above+bm >= target {
			edge = b
			break
		}
		above += bm
	}
	if edge < 0 {
		// Rounding kept the buckets' sum short of p·z: every token is in.
		edge = nucleusBuckets
	}
	// Tokens of buckets before edge go to the front of s.cand; those of edge to s.edge.
	s.cand, s.edge = s.cand[:0], s.edge[:0]
	for i, v := range src {
		if d := float64(v) - top; d > negligibleLogit {
			switch b := bucketOf(d); {
			case b < edge:
				s.cand = append(s.cand, cand{v: v, id: int32(i)})
			case b == edge:
				s.edge = append(s.edge, cand{v: v, id: int32(i)})
			}
		}
	}
	s.w = grow(s.w, len(s.edge))
	for i, cd := range s.edge {
		s.w[i] = expNeg(float64(cd.v) - top)
	}
	k := selectMass(s.edge, s.w, target-above)
	s.cand = append(s.cand, s.edge[:k]...)
	return s.cand
}

// bucketOf maps d in (negligibleLogit, 0] to its histogram bucket; better tokens get
// lower buckets.
func bucketOf(d float64) int {
	return min(int(-d*bucketScale), nucleusBuckets-1)
}

// selectMass reorders c and its weights w together so that c[:k] holds the smallest
// best-first prefix (higher logit, then lower id) whose weight reaches target, and
// returns k (len(c) when rounding keeps the total just short). It is quickselect that
// steers by mass instead of count: partition around a pivot, keep the better side when it
// alone reaches the target, else bank its mass and continue in the worse side.
func selectMass(c []cand, w []float64, target float64) int {
	w = w[:len(c)]
	lo, hi := 0, len(c)
	acc := 0.0
	for hi-lo > sortBelow {
		// Median of three (by rank) as the pivot, parked at lo.
		a, b, d := lo, lo+(hi-lo)/2, hi-1
		if worse(c[a], c[b]) {
			a, b = b, a
		}
		if worse(c[b], c[d]) {
			b = d
			if worse(c[a], c[b]) {
				b = a
			}
		}
		c[lo], c[b] = c[b], c[lo]
		w[lo], w[b] = w[b], w[lo]
		pv := c[lo]
		// Move the tokens that rank above the pivot to c[lo+1:j].
		j := lo + 1
		mass := 0.0
		for i := lo + 1; i < hi; i++ {
			if worse(pv, c[i]) {
				c[i], c[j] = c[j], c[i]
				w[i], w[j] = w[j], w[i]
				mass += w[j]
				j++
			}
		}
		pos := j - 1
		c[lo], c[pos] = c[pos], c[lo]
		w[lo], w[pos] = w[pos], w[lo]
		if acc+mass >= target {
			hi = pos
			continue
		}
		acc += mass + w[pos]
		if acc >= target {
			return pos + 1
		}
		lo = pos + 1
	}
	// Insertion sort the rest best first and walk it.
	for i := lo + 1; i < hi; i++ {
		for k := i; k > lo && worse(c[k-1], c[k]); k-- {
			c[k], c[k-1] = c[k-1], c[k]
			w[k], w[k-1] = w[k-1], w[k]
		}
	}
	for i := lo; i < hi; i++ {
		acc += w[i]
		if acc >= target {
			return i + 1
		}
	}
	return hi
}

// drawCand picks one of s.cand (not empty, finite) with probability softmax(v/T), using
// the uniform number u in [0, 1).
func (s *Sampler) drawCand(u float64) int32 {
	c := s.cand
	top, invT := float64(maxCand(c)), 1/float64(s.p.Temperature)
	w := grow(s.w, len(c))
	s.w = w
	s.blk = grow(s.blk, (len(c)+drawBlock-1)/drawBlock)
	z := 0.0
	for b := range s.blk {
		lo := b * drawBlock
		bs := 0.0
		for i, cd := range c[lo:min(lo+drawBlock, len(c))] {
			wi := 0.0
			if d := (float64(cd.v) - top) * invT; d > negligibleLogit {
				wi = expNeg(d)
			}
			w[lo+i] = wi
			bs += wi
		}
		s.blk[b] = bs
		z += bs
	}
	return c[pick(w, s.blk, u*z)].id
}

// drawAll picks a token of src, whose finite maximum is m, with probability softmax(v/T):
// the path with no filter, one exponential per non-negligible token.
func (s *Sampler) drawAll(src []float32, m float32, u float64) int32 {
	top, invT := float64(m), 1/float64(s.p.Temperature)
	w := grow(s.w, len(src))
	s.w = w
	s.blk = grow(s.blk, (len(src)+drawBlock-1)/drawBlock)
	z := 0.0
	for b := range s.blk {
		lo := b * drawBlock
		bs := 0.0
		for i, v := range src[lo:min(lo+drawBlock, len(src))] {
			wi := 0.0
			if d := (float64(v) - top) * invT; d > negligibleLogit { // NaN fails too
				wi = expNeg(d)
			}
			w[lo+i] = wi
			bs += wi
		}
		s.blk[b] = bs
		z += bs
	}
	return int32(pick(w, s.blk, u*z))
}

// pick returns the first index whose running weight exceeds target, for weights w
// (not all zero) whose drawBlock-sized blocks sum to blk, and target = u·Σblk with u in
// [0, 1). It scans the block sums, then one block. A zero weight is never picked: when
// rounding leaves the running sum short of target, the last positive weight is.
func pick(w, blk []float64, target float64) int {
	cum := 0.0
	for b, bs := range blk {
		if cum+bs <= target && b < len(blk)-1 {
			cum += bs
			continue
		}
		last := -1
		lo := b * drawBlock
		for i, wi := range w[lo:min(lo+drawBlock, len(w))] {
			if wi == 0 {
				continue
			}
			cum += wi
			last = lo + i
			if cum > target {
				return last
			}
		}
		if last >= 0 {
			return last
		}
		break // the last block is all zero
	}
	for i := len(w) - 1; i > 0; i-- {
		if w[i] > 0 {
			return i
		}
	}
	return 0
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
