package tokenizer

// symbol is a span of the text being merged, in a doubly linked list.
type symbol struct {
	prev, next int // indices of the neighbours, -1 at the ends
	off, n     int // byte span; n == 0 once merged into the left neighbour
}

// spmBigram is a candidate merge of symbols left and right.
type spmBigram struct {
	left, right int
	score       float32
	size        int
}

// spmBefore orders the queue like llama.cpp's llm_bigram_spm comparator:
// highest score first, then leftmost.
func spmBefore(a, b spmBigram) bool {
	return a.score > b.score || (a.score == b.score && a.left < b.left)
}

// spmState is the scratch of one SentencePiece encoding
// (llm_tokenizer_spm_session).
type spmState struct {
	t     *Tokenizer
	text  string
	syms  []symbol
	queue []spmBigram // binary heap ordered by spmBefore
}

// tokenize is llm_tokenizer_spm_session::tokenize: start from single UTF-8
// characters and keep merging the adjacent pair that forms the token with
// the highest score; what remains that is not a token is emitted as byte
// tokens.
func (s *spmState) tokenize(text string, out []int32) []int32 {
	s.text = text
	s.syms = s.syms[:0]
	s.queue = s.queue[:0]
	for off := 0; off < len(text); {
		n := min(utf8Len(text[off]), len(text)-off)
		i := len(s.syms)
		next := i + 1
		if off+n == len(text) {
			next = -1
		}
		s.syms = append(s.syms, symbol{prev: i - 1, next: next, off: off, n: n})
		off += n
	}
	for i := 1; i < len(s.syms); i++ {
		s.tryAdd(i-1, i)
	}
	for len(s.queue) > 0 {
		b := s.pop()
		l, r := &s.syms[b.left], &s.syms[b.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			s.syms[r.next].prev = b.left
		}
		s.tryAdd(l.prev, b.left)
		s.tryAdd(b.left, l.next)
	}
	if len(s.syms) == 0 {
		return out
	}
	for i := 0; i != -1; i = s.syms[i].next {
		sym := s.syms[i]
		piece := text[sym.off : sym.off+sym.n]
		if id, ok := s.t.ids[piece]; ok {
			out = append(out, id)
			continue
		}
		// A symbol that is not a token is a single character (merges only
		// make tokens), so llama.cpp's resegment falls back to bytes here.
		for j := 0; j < len(piece); j++ {
			out = s.t.appendByte(out, piece[j])
		}
	}
	return out
}

// appendByte appends the byte-fallback token of b. llama.cpp throws when the
// vocabulary has none; here the unknown token stands in, or nothing.
func (t *Tokenizer) appendByte(out []int32, b byte) []int32 {
	if id := t.byteTok[b]; id != null {
		return append(out, id)
	}
	if t.unk != null {
		return append(out, t.unk)
	}
	return out
}

func (s *spmState) tryAdd(left, right int) {
	if left == -1 || right == -1 {
		return
	}
	l, r := s.syms[left], s.syms[right]
	id, ok := s.t.ids[s.text[l.off:l.off+l.n+r.n]]
	if !ok {
		return
	}
	s.push(spmBigram{left: left, right: right, score: s.t.scores[id], size: l.n + r.n})
}

func (s *spmState) push(b spmBigram) { s.queue = heapPush(s.queue, b, spmBefore) }

func (s *spmState) pop() spmBigram {
	b, q := heapPop(s.queue, spmBefore)
	s.queue = q
	return b
}
