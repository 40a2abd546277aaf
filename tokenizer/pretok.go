package tokenizer

// Pre-tokenizers split text into words before BPE merges run. llama.cpp
// applies a list of regular expressions one after another: each splits every
// piece left by the previous one into its matches and the gaps between them.
// It runs the GPT-2 and Llama-3 patterns with hand-written code and the rest
// with std::regex over a "collapsed" text, where every code point above 127
// is replaced by one byte standing for its category. The splitters here are
// hand-written state machines that reproduce those results: the port of the
// two custom ones, and for the others the leftmost-first backtracking
// semantics of the pattern worked out by hand (see the comment on each).

// oor is the code point seen past the end of the piece being split.
const oor cpt = -1

// runes is a text decoded as llama.cpp decodes it, with the flags of every
// code point.
type runes struct {
	c []cpt
	f []cflags
}

func (t *runes) reset(s string) {
	t.c = decodeCpts(s, t.c)
	if cap(t.f) < len(t.c) {
		t.f = make([]cflags, len(t.c))
	}
	t.f = t.f[:len(t.c)]
	for i, c := range t.c {
		t.f[i] = flagsOf(c)
	}
}

// A splitter splits the piece [start, end) of t, appending the length (in
// code points) of every resulting piece to out. Lengths sum to end-start.
type splitter func(t *runes, start, end int, out []int) []int

// split runs the splitters in order over the whole text and returns the
// piece lengths, and the other scratch slice: buf and tmp are reused, and
// must not share memory.
func split(t *runes, splitters []splitter, buf, tmp []int) (pieces, scratch []int) {
	buf = append(buf[:0], len(t.c))
	if len(t.c) == 0 {
		return buf[:0], tmp
	}
	for _, s := range splitters {
		tmp = tmp[:0]
		start := 0
		for _, n := range buf {
			tmp = s(t, start, start+n, tmp)
			start += n
		}
		buf, tmp = tmp, buf
	}
	return buf, tmp
}

// matcher returns where a match starting at p ends, or -1 when the pattern
// does not match at p. The piece being split ends at end.
type matcher func(t *runes, p, end int) int

// regexSplitter turns a matcher into a splitter with std::regex_iterator's
// behaviour: search for the leftmost match, emit the gap before it and the
// match, and go on after the match. None of the patterns matches the empty
// string.
func regexSplitter(m matcher) splitter {
	return func(t *runes, start, end int, out []int) []int {
		gap := start
		for p := start; p < end; {
			e := m(t, p, end)
			if e < 0 {
				p++
				continue
			}
			if p > gap {
				out = append(out, p-gap)
			}
			out = append(out, e-p)
			p, gap = e, e
		}
		if gap < end {
			out = append(out, end-gap)
		}
		return out
	}
}

// splitGPT2 is llama.cpp's unicode_regex_split_custom_gpt2, for
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
func splitGPT2(t *runes, start, end int, out []int) []int {
	prev := start
	add := func(e int) int {
		n := e - prev
		if n > 0 {
			out = append(out, n)
		}
		prev = e
		return n
	}
	get := func(i int) cpt {
		if i >= start && i < end {
			return t.c[i]
		}
		return oor
	}
	flg := func(i int) cflags {
		if i >= start && i < end {
			return t.f[i]
		}
		return 0
	}
	const wln = fWhitespace | fLetter | fNumber
	for pos := start; pos < end; {
		c, f := t.c[pos], t.f[pos]
		if c == '\'' && pos+1 < end {
			n := get(pos + 1)
			if n == 's' || n == 't' || n == 'm' || n == 'd' {
				pos += add(pos + 2)
				continue
			}
			if pos+2 < end {
				nn := get(pos + 2)
				if (n == 'r' && nn == 'e') || (n == 'v' && nn == 'e') || (n == 'l' && nn == 'l') {
					pos += add(pos + 3)
					continue
				}
			}
		}
		f2 := f
		if c == ' ' {
			f2 = flg(pos + 1)
		}
		if f2.has(fLetter) {
			if c == ' ' {
				pos++
			}
			for f2.has(fLetter) {
				pos++
				f2 = flg(pos)
			}
			add(pos)
			continue
		}
		if f2.has(fNumber) {
			if c == ' ' {
				pos++
			}
			for f2.has(fNumber) {
				pos++
				f2 = flg(pos)
			}
			add(pos)
			continue
		}
		if !f2.has(wln) && f2 != 0 {
			if c == ' ' {
				pos++
			}
			for !f2.has(wln) && f2 != 0 {
				pos++
				f2 = flg(pos)
			}
			add(pos)
			continue
		}
		nws := 0
		for flg(pos + nws).has(fWhitespace) {
			nws++
		}
		if nws > 1 && get(pos+nws) != oor {
			pos += nws - 1
			add(pos)
			continue
		}
		if nws > 0 {
			pos += nws
			add(pos)
			continue
		}
		pos++
		add(pos)
	}
	return out
}

// splitLlama3 is llama.cpp's unicode_regex_split_custom_llama3, for
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func splitLlama3(t *runes, start, end int, out []int) []int {
	prev := start
	add := func(e int) int {
		n := e - prev
		if n > 0 {
			out = append(out, n)
		}
		prev = e
		return n
	}
	get := func(i int) cpt {
		if i >= start && i < end {
			return t.c[i]
		}
		return oor
	}
	flg := func(i int) cflags {
		if i >= start && i < end {
			return t.f[i]
		}
		return 0
	}
	const wln = fWhitespace | fLetter | fNumber
	for pos := start; pos < end; {
		c, f := t.c[pos], t.f[pos]
		if c == '\'' && pos+1 < end {
			n := toLower(get(pos + 1))
			if n == 's' || n == 't' || n == 'm' || n == 'd' {
				pos += add(pos + 2)
				continue
			}
			if pos+2 < end {
				nn := toLower(get(pos + 2))
				if (n == 'r' && nn == 'e') || (n == 'v' && nn == 'e') || (n == 'l' && nn == 'l') {
					pos += add(pos + 3)
					continue
				}
			}
		}
		if !(c == '\r' || c == '\n' || f.has(fNumber)) {
			if f.has(fLetter) || flg(pos+1).has(fLetter) {
				pos++
				for flg(pos).has(fLetter) {
					pos++
				}
				add(pos)
				continue
			}
		}
		if f.has(fNumber) {
			ini := pos
			for flg(pos).has(fNumber) {
				pos++
				if pos-ini >= 3 {
					add(pos)
					ini = pos
				}
			}
			add(pos)
			continue
		}
		f2 := f
		if c == ' ' {
			f2 = flg(pos + 1)
		}
		// llama.cpp tests the flags of pos here, not f2, for being non-zero.
		if !f2.has(wln) && f != 0 {
			if c == ' ' {
				pos++
			}
			for !f2.has(wln) && f2 != 0 {
				pos++
				f2 = flg(pos)
			}
			for c2 := get(pos); c2 == '\r' || c2 == '\n'; c2 = get(pos) {
				pos++
			}
			add(pos)
			continue
		}
		pos = spaceRunNL(pos, get, flg)
		add(pos)
	}
	return out
}

// spaceRunNL ends the whitespace (or lone character) at pos as the llama3
// family of patterns does, \s*[\r\n]+|\s+(?!\S)|\s+ and then any single
// character: through the last newline of the run if it has one; else all
// but the last space when something follows; else the whole run; else the
// one character. It returns where the piece ends.
func spaceRunNL(pos int, get func(int) cpt, flg func(int) cflags) int {
	nws, lastNL := 0, 0
	for flg(pos + nws).has(fWhitespace) {
		if c := get(pos + nws); c == '\r' || c == '\n' {
			lastNL = pos + nws + 1
		}
		nws++
	}
	switch {
	case lastNL > 0:
		return lastNL
	case nws > 1 && get(pos+nws) != oor:
		return pos + nws - 1
	case nws > 0:
		return pos + nws
	}
	return pos + 1
}
