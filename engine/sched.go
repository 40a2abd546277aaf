package engine

// Step is the plan for one forward pass: plain data, logged when a step
// fails and built by hand in tests.
type Step struct {
	Seqs []StepSeq
}

// StepSeq is one sequence's share of a step.
type StepSeq struct {
	ID     uint64
	Start  int     // position of Tokens[0]
	Tokens []int32 // tokens to compute
	Table  []int32 // the sequence's block table
	Sample bool    // the step ends the tokens known so far: sample the next one
}

// Tokens is the number of tokens the step computes.
func (s *Step) Tokens() int {
	n := 0
	for _, q := range s.Seqs {
		n += len(q.Tokens)
	}
	return n
}

// scheduler decides, step by step, which tokens of which sequences to
// compute under the token budget and the KV blocks available. There is no
// prefill phase and no decode phase: each sequence has computed some of its
// tokens and the step computes more of them (one, when it is decoding).
type scheduler struct {
	cfg     Config
	pool    *blockPool
	waiting []*seq // arrival order (preempted sequences go back to the front)
	running []*seq // admission order: the newest is preempted first

	prefixQueries, prefixHits uint64 // prompt tokens looked up / found in the prefix cache
	preemptions               uint64
	kv                        kvGrowth
}

// schedule builds the next step. Running sequences come first, oldest
// first; then waiting ones are admitted while budget, blocks and the
// running limit allow. When blocks run out, the newest running sequence is
// preempted: its blocks are freed and it is recomputed later.
func (s *scheduler) schedule() Step {
	var st Step
	budget := s.cfg.MaxBatchTokens
	for i := 0; i < len(s.running) && budget > 0; i++ {
		q := s.running[i]
		n := min(q.pending(), budget)
		for !s.reserve(q, n) {
			victim := s.running[len(s.running)-1]
			s.preempt(victim)
			if victim == q {
				n = 0
				break
			}
		}
		if n == 0 {
			break
		}
		st.Seqs = append(st.Seqs, s.stepFor(q, n))
		budget -= n
	}
	for len(s.waiting) > 0 && budget > 0 && len(s.running) < s.cfg.MaxRunning {
		q := s.waiting[0]
		if q.computed == 0 && len(q.blocks) == 0 {
			s.matchPrefix(q)
		}
		n := min(q.pending(), budget)
		if !s.reserve(q, n) {
			break // not enough blocks: wait for running sequences to finish
		}
		s.waiting = s.waiting[1:]
		s.running = append(s.running, q)
		st.Seqs = append(st.Seqs, s.stepFor(q, n))
		budget -= n
	}
	return st
}

func (s *scheduler) stepFor(q *seq, n int) StepSeq {
	return StepSeq{
		ID:     q.id,
		Start:  q.computed,
		Tokens: q.tokens[q.computed : q.computed+n],
		Table:  q.blocks,
		Sample: q.computed+n == len(q.tokens),
	}
}

// reserve makes sure q has blocks for its next n tokens.
func (s *scheduler) reserve(q *seq, n int) bool {
	need := (q.computed+n+s.pool.size-1)/s.pool.size - len(q.blocks)
	if need <= 0 {
		return true
	}
	if !s.grow(need) {
		return false
	}
	for range need {
		b, _ := s.pool.alloc()
		q.blocks = append(q.blocks, b)
	}
	return true
}

// matchPrefix gives a new sequence the cached blocks that hold the longest
// prefix of its prompt, always leaving at least one token to compute so the
// step yields logits.
func (s *scheduler) matchPrefix(q *seq) {
	bs := s.pool.size
	full := (q.prompt - 1) / bs
	s.prefixQueries += uint64(q.prompt)
	var parent uint64
	for i := 0; i < full; i++ {
		toks := q.tokens[i*bs : (i+1)*bs]
		k := s.pool.blockKey(parent, toks)
		b, ok := s.pool.lookup(k, toks)
		if !ok {
			break
		}
		q.blocks = append(q.blocks, b)
		q.keys = append(q.keys, k)
		q.computed += bs
		parent = k
	}
	s.prefixHits += uint64(q.computed)
	if q.preemptions == 0 {
		q.cachedTokens = q.computed
	}
}

// computed records that a step computed n more tokens of q, and publishes
// the blocks that became full to the prefix cache.
func (s *scheduler) computed(q *seq, n int) {
	q.computed += n
	bs := s.pool.size
	for len(q.keys) < q.computed/bs {
		i := len(q.keys)
		var parent uint64
		if i > 0 {
			parent = q.keys[i-1]
		}
		toks := q.tokens[i*bs : (i+1)*bs]
		k := s.pool.blockKey(parent, toks)
		s.pool.publish(q.blocks[i], k, toks)
		q.keys = append(q.keys, k)
	}
}

// preempt frees a running sequence's blocks and puts it back at the front
// of the queue; it will be recomputed (mostly from the prefix cache).
func (s *scheduler) preempt(q *seq) {
	s.remove(q)
	q.computed = 0
	q.keys = q.keys[:0]
	q.preemptions++
	s.preemptions++
	s.waiting = append([]*seq{q}, s.waiting...)
}

// remove takes q out of the running list (or the queue) and frees its blocks.
func (s *scheduler) remove(q *seq) {
	for i, r := range s.running {
		if r == q {
			s.running = append(s.running[:i], s.running[i+1:]...)
			break
		}
	}
	for i, r := range s.waiting {
		if r == q {
			s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
			break
		}
	}
	s.pool.release(q.blocks)
	q.blocks = q.blocks[:0]
}
