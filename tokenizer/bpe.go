package tokenizer

import "strings"

// bpeBigram is a candidate merge of symbols left and right, whose texts had
// lengths ln and rn when it was queued.
type bpeBigram struct {
	left, right int
	rank, id    int32 // id: the token of the merged text, or null
	ln, rn      int
}

// bpeBefore orders the queue like llama.cpp's llm_bigram_bpe comparator:
// lowest rank first, then leftmost.
func bpeBefore(a, b bpeBigram) bool {
	return a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
}

// bpeState is the scratch of one byte-level BPE encoding
// (llm_tokenizer_bpe_session).
type bpeState struct {
	t       *Tokenizer
	r       runes
	offs    []int
	tmp     []int
	word    []byte
	syms    []symbol
	symID   []int32 // token of each symbol's text, or null
	queue   []bpeBigram
	scratch []byte
}

// tokenize is llm_tokenizer_bpe_session::tokenize: pre-tokenize, map every
// word's bytes to GPT-2's printable code points, and merge each word by
// rank; a final symbol that is not a token becomes its one-byte tokens
// where they exist (llama.cpp drops the others).
func (s *bpeState) tokenize(text string, out []int32) []int32 {
	s.r.reset(text)
	s.offs, s.tmp = split(&s.r, s.t.pret.splitters, s.offs, s.tmp)
	start := 0
	for _, n := range s.offs {
		s.scratch = s.scratch[:0]
		for _, c := range s.r.c[start : start+n] {
			s.scratch = appendCpt(s.scratch, c)
		}
		start += n
		out = s.merge(s.scratch, out)
	}
	return out
}

// encodeWord appends the byte-level (GPT-2) encoding of raw to dst.
func encodeWord(dst, raw []byte) []byte {
	for _, b := range raw {
		dst = append(dst, byteRuneStrings[b]...)
	}
	return dst
}

// merge runs the BPE merges over one word, given as its raw bytes. Each
// byte is one symbol (one code point of the byte-level text), whose token
// is byteTok; spans and lengths count raw bytes.
func (s *bpeState) merge(raw []byte, out []int32) []int32 {
	t := s.t
	if t.pret.raw {
		return s.mergeRaw(raw, out)
	}
	if t.ignoreMerges {
		s.word = encodeWord(s.word[:0], raw)
		if id, ok := t.ids[string(s.word)]; ok {
			return append(out, id)
		}
	}
	s.syms = s.syms[:0]
	s.symID = s.symID[:0]
	s.queue = s.queue[:0]
	for i, b := range raw {
		next := i + 1
		if next == len(raw) {
			next = -1
		}
		s.syms = append(s.syms, symbol{prev: i - 1, next: next, off: i, n: 1})
		s.symID = append(s.symID, t.byteTok[b])
	}
	s.run()
	for i, sym := range s.syms {
		if sym.n == 0 {
			continue
		}
		if id := s.symID[i]; id != null {
			out = append(out, id)
			continue
		}
		s.word = encodeWord(s.word[:0], raw[sym.off:sym.off+sym.n])
		for j := range s.word {
			if id, ok := t.ids[string(s.word[j:j+1])]; ok {
				out = append(out, id)
			}
		}
	}
	return out
}

func (s *bpeState) tryAdd(left, right int) {
	if left == -1 || right == -1 {
		return
	}
	a, b := s.symID[left], s.symID[right]
	if a == null || b == null {
		return
	}
	m, ok := s.t.ranks[pairKey(a, b)]
	if !ok {
		return
	}
	s.push(bpeBigram{left: left, right: right, rank: m.rank, id: m.id, ln: s.syms[left].n, rn: s.syms[right].n})
}

func (s *bpeState) push(b bpeBigram) { s.queue = heapPush(s.queue, b, bpeBefore) }

func (s *bpeState) pop() bpeBigram {
	b, q := heapPop(s.queue, bpeBefore)
	s.queue = q
	return b
}

// mergeRaw runs the merges of a SentencePiece-style BPE (gemma4) over one
// word of raw UTF-8: symbols start as UTF-8 characters, and a final symbol
// that is not a token becomes <0xXX> byte tokens where they exist.
func (s *bpeState) mergeRaw(raw []byte, out []int32) []int32 {
	t := s.t
	if t.ignoreMerges || (t.pret.newlines && len(raw) > 0 && strings.Count(string(raw), "\n") == len(raw)) {
		if id, ok := t.ids[string(raw)]; ok {
			return append(out, id)
		}
	}
	s.syms = s.syms[:0]
	s.symID = s.symID[:0]
	s.queue = s.queue[:0]
	for off := 0; off < len(raw); {
		n := min(utf8Len(raw[off]), len(raw)-off)
		i := len(s.syms)
		next := i + 1
		if off+n == len(raw) {
			next = -1
		}
		s.syms = append(s.syms, symbol{prev: i - 1, next: next, off: off, n: n})
		id, ok := t.ids[string(raw[off:off+n])]
		if !ok {
			id = null
		}
		s.symID = append(s.symID, id)
		off += n
	}
	s.run()
	for i, sym := range s.syms {
		if sym.n == 0 {
			continue
		}
		if id := s.symID[i]; id != null {
			out = append(out, id)
			continue
		}
		for _, b := range raw[sym.off : sym.off+sym.n] {
			if id := t.hexTok[b]; id != null {
				out = append(out, id)
			}
		}
	}
	return out
}

// run applies merges, lowest rank first, until none is left.
func (s *bpeState) run() {
	for i := 1; i < len(s.syms); i++ {
		s.tryAdd(i-1, i)
	}
	for len(s.queue) > 0 {
		b := s.pop()
		l, r := &s.syms[b.left], &s.syms[b.right]
		// Skip merges made stale by an earlier one: a symbol only grows
		// (or empties), so unchanged lengths mean unchanged texts.
		if l.n == 0 || r.n == 0 || l.n != b.ln || r.n != b.rn {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			s.syms[r.next].prev = b.left
		}
		s.symID[b.left] = b.id
		s.tryAdd(l.prev, b.left)
		s.tryAdd(b.left, l.next)
	}
}
