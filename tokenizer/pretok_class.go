package tokenizer

// Character classes as llama.cpp's std::regex fallback sees them.
//
// Patterns with \p{..} run over the collapsed text: ASCII stays as it is, a
// non-ASCII code point becomes 0x0B when it is White_Space and otherwise one
// byte per category (N, L, P, M, S, or "other"). \p{L} then means A-Za-z or a
// non-ASCII letter, \p{P} the ASCII set !"#%&'()*,-./:;?@[\]_{} or a
// non-ASCII punctuation mark, and \p{S} the ASCII set $+<=>^`| (llama.cpp
// leaves out '~') or a non-ASCII symbol. \s is ASCII \t\n\v\f\r and space,
// or non-ASCII White_Space.
//
// Patterns without \p{..} run with std::wregex over the code points, with
// non-ASCII White_Space replaced by 0x0B; wideAt returns that view.

// asciiClass holds the collapsed-class bits of each ASCII character.
var asciiClass = func() (t [128]cflags) {
	for c := 0; c < 128; c++ {
		switch {
		case c >= 9 && c <= 13, c == ' ':
			t[c] = fWhitespace
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
			t[c] = fLetter
		case c >= '0' && c <= '9':
			t[c] = fNumber
		}
	}
	for _, c := range "!\"#%&'()*,-./:;?@[\\]_{}" {
		t[c] = fPunct
	}
	for _, c := range "$+<=>^`|" {
		t[c] = fSymbol
	}
	return t
}()

// class returns the collapsed-class bits of t.c[i] for i < end, or 0 past
// the end of the piece: one of fWhitespace, fLetter, fNumber, fPunct,
// fSymbol, fMark, or 0 for "other".
func (t *runes) class(i, end int) cflags {
	if i >= end {
		return 0
	}
	c := t.c[i]
	if c >= 0 && c < 128 {
		return asciiClass[c]
	}
	f := t.f[i]
	if f.has(fWhitespace) {
		return fWhitespace
	}
	return f & (fLetter | fNumber | fPunct | fSymbol | fMark)
}

// isSpace is \s.
func (t *runes) isSpace(i, end int) bool { return t.class(i, end) == fWhitespace }

// is reports whether t.c[i] (i < end) is in one of the classes m.
func (t *runes) is(i, end int, m cflags) bool { return t.class(i, end)&m != 0 }

// at returns t.c[i], or oor past the end of the piece.
func (t *runes) at(i, end int) cpt {
	if i >= end {
		return oor
	}
	return t.c[i]
}

// wideAt returns the code point std::wregex sees at i: non-ASCII White_Space
// is 0x0B. It returns oor past the end of the piece.
func (t *runes) wideAt(i, end int) cpt {
	if i >= end {
		return oor
	}
	c := t.c[i]
	if c > 0x7F && t.f[i].has(fWhitespace) {
		return 0x0B
	}
	return c
}

// wideSpace is \s under std::wregex: ASCII \t\n\v\f\r and space.
func wideSpace(c cpt) bool { return (c >= 9 && c <= 13) || c == ' ' }

// cptRange is an inclusive range of code points.
type cptRange struct{ lo, hi cpt }

func inRanges(c cpt, rs []cptRange) bool {
	for _, r := range rs {
		if c >= r.lo && c <= r.hi {
			return true
		}
	}
	return false
}

// inSortedRanges is inRanges by binary search over sorted, disjoint ranges.
func inSortedRanges(c cpt, rs []cptRange) bool {
	lo, hi := 0, len(rs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case c < rs[m].lo:
			hi = m
		case c > rs[m].hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// runWhile returns the first index from p on where the piece ends or ok
// fails.
func runWhile(p, end int, ok func(i int) bool) int {
	for p < end && ok(p) {
		p++
	}
	return p
}
