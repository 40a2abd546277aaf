package tokenizer

import "strings"

// Splitters used by only one or two pre-tokenizer types.

// splitAfmoeDigits is llama.cpp's unicode_regex_split_custom_afmoe for
// \p{AFMoE_digits}: a run of digits is split into a leading group of
// len%3 digits and then groups of three. Like llama.cpp, it emits each group
// from the end of the previous piece, so the text before a run is joined to
// its first group, and the text after the last run is one piece.
func splitAfmoeDigits(t *runes, start, end int, out []int) []int {
	prev := start
	add := func(e int) {
		if e > prev {
			out = append(out, e-prev)
		}
		prev = e
	}
	for p := start; p < end; {
		if !t.f[p].has(fNumber) {
			p++
			continue
		}
		q := p
		for q < end && t.f[q].has(fNumber) {
			q++
		}
		cur := p
		if r := (q - p) % 3; r > 0 {
			add(cur + r)
			cur += r
		}
		for cur < q {
			add(cur + 3)
			cur += 3
		}
		p = q
	}
	if prev < end {
		add(end)
	}
	return out
}

// afmoeRanges is afmoe's
// [一-鿿㐀-䶿豈-﫿぀-ゟ゠-ヿ･-ﾟ⼀-⿟เ-๿຀-໿ក-៿က-႟ꩠ-ꩿꧠ-꧿가-힯ᄀ-ᇿ], sorted.
var afmoeRanges = []cptRange{
	{0x0E40, 0x0E7F}, {0x0E80, 0x0EFF}, {0x1000, 0x109F}, {0x1100, 0x11FF}, {0x1780, 0x17FF},
	{0x2F00, 0x2FDF}, {0x3040, 0x309F}, {0x30A0, 0x30FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
	{0xA9E0, 0xA9FF}, {0xAA60, 0xAA7F}, {0xAC00, 0xD7AF}, {0xF900, 0xFAFF}, {0xFF65, 0xFF9F},
}

// youtuRanges are the four classes of youtu's first pattern,
// [가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+.
var youtuRanges = [4][]cptRange{
	{{0xAC00, 0xD7A3}, {0x3131, 0x318E}},
	{{0xFF01, 0xFF01}, {0x2026, 0x2026}, {0x201C, 0x201D}, {0x2018, 0x2019}, {0x2014, 0x2014}, {0xFF1A, 0xFF1B}, {0xFF0C, 0xFF0C}, {0x3001, 0x303F}, {0xFE30, 0xFE4F}},
	{{0x3105, 0x312F}},
	{{0x4E00, 0x9FA5}, {0x3040, 0x309F}, {0x30A0, 0x30FF}},
}

// matchYoutuCJK is youtu's first pattern under std::wregex: the first class
// whose run starts at p.
func matchYoutuCJK(t *runes, p, end int) int {
	for _, rs := range youtuRanges {
		e := runWhile(p, end, func(i int) bool { return inRanges(t.wideAt(i, end), rs) })
		if e > p {
			return e
		}
	}
	return -1
}

// splitTinyAyaDigits is \d{1,3}(?=(?:\d{3})*\b) under std::wregex (\d and
// \w are ASCII). k digits match at p when the rest of the digit run is a
// multiple of three long and a word boundary follows the run; so a run
// followed by a letter, digit or '_' has no match, and any other run splits
// into len%3 digits (3 when that is 0) and then threes. Done per run, this is
// linear where a per-position search would rescan long runs.
func splitTinyAyaDigits(t *runes, start, end int, out []int) []int {
	isDigit := func(i int) bool { return t.c[i] >= '0' && t.c[i] <= '9' }
	prev := start
	for p := start; p < end; {
		if !isDigit(p) {
			p++
			continue
		}
		q := runWhile(p, end, isDigit)
		if q < end && (isASCIILetter(t.c[q]) || t.c[q] == '_') {
			p = q
			continue
		}
		if p > prev {
			out = append(out, p-prev)
		}
		k := (q - p) % 3
		if k == 0 {
			k = 3
		}
		out = append(out, k)
		for c := p + k; c < q; c += 3 {
			out = append(out, 3)
		}
		prev, p = q, q
	}
	if end > prev {
		out = append(out, end-prev)
	}
	return out
}

// exaoneMoE is
// C|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+:
// a word is letters and marks, continued across single spaces that are
// followed by a letter, so whole phrases can be one piece.
func matchExaoneMoE(t *runes, p, end int) int {
	if e := t.contraction(p, end); e >= 0 {
		return e
	}
	phrase := func(s int) int {
		if !t.is(s, end, fLetter) {
			return -1
		}
		e := s + 1
		for e < end {
			switch {
			case t.is(e, end, fLetter|fMark):
				e++
			case t.c[e] == ' ' && t.is(e+1, end, fLetter):
				e += 2
			default:
				return e
			}
		}
		return e
	}
	c := t.c[p]
	if c != '\r' && c != '\n' && !t.is(p, end, fLetter|fNumber) {
		if e := phrase(p + 1); e >= 0 {
			return e
		}
	}
	if e := phrase(p); e >= 0 {
		return e
	}
	if t.is(p, end, fNumber) {
		return p + 1
	}
	other := func(i int) bool { return i < end && !t.is(i, end, fWhitespace|fLetter|fNumber) }
	s := p
	if c == ' ' && other(p+1) {
		s = p + 1
	} else if !other(p) {
		return t.matchSpaces(p, end, true)
	}
	e := runWhile(s, end, other)
	if e < end && (t.c[e] == '\r' || t.c[e] == '\n' || t.c[e] == '/') {
		e++
	}
	return e
}

// Chameleon's patterns besides \p{N} and the GPT-2 one.

// matchSentinel is <sentinel:[0-9]+>.
func matchSentinel(t *runes, p, end int) int {
	const pre = "<sentinel:"
	i := p
	for _, c := range pre {
		if t.at(i, end) != c {
			return -1
		}
		i++
	}
	d := runWhile(i, end, func(j int) bool { return t.c[j] >= '0' && t.c[j] <= '9' })
	if d == i || t.at(d, end) != '>' {
		return -1
	}
	return d + 1
}

// matchImage is (IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z.
func matchImage(t *runes, p, end int) int {
	i := p
	for _, c := range "IMGIMG" {
		if t.at(i, end) != c {
			return -1
		}
		i++
	}
	k := i
	for k < end && k-i < 4 && t.c[k] >= 'A' && t.c[k] <= 'I' {
		k++
	}
	if k == i || t.at(k, end) != 'Z' {
		return -1
	}
	return k + 1
}

// matchChameleonSpaces is ([\t\n]|    |  ).
func matchChameleonSpaces(t *runes, p, end int) int {
	if c := t.c[p]; c == '\t' || c == '\n' {
		return p + 1
	}
	for _, n := range []int{4, 2} {
		if p+n <= end && strings.Count(string(t.c[p:p+n]), " ") == n {
			return p + n
		}
	}
	return -1
}

// matchChameleonPunct is [\p{P}!-/:-@\[-`{-~] over the collapsed text: one
// punctuation mark or ASCII symbol.
func matchChameleonPunct(t *runes, p, end int) int {
	if t.is(p, end, fPunct) || isASCIIPunct(t.c[p]) {
		return p + 1
	}
	return -1
}

// splitSuperBPE is superbpe's (?=(\d{3})+(?!\d)) under std::wregex: the
// pattern matches only the empty string, at every ASCII digit from which
// the rest of the digit run is a multiple of three long. llama.cpp cuts the
// text there (and passes the empty matches on as empty words, which encode
// to nothing; they are left out here).
func splitSuperBPE(t *runes, start, end int, out []int) []int {
	isDigit := func(i int) bool { return t.c[i] >= '0' && t.c[i] <= '9' }
	prev := start
	for p := start; p < end; {
		if !isDigit(p) {
			p++
			continue
		}
		q := runWhile(p, end, isDigit)
		first := p + (q-p)%3
		for cut := first; cut < q; cut += 3 {
			if cut > prev {
				out = append(out, cut-prev)
				prev = cut
			}
		}
		p = q
	}
	if end > prev {
		out = append(out, end-prev)
	}
	return out
}

// isHan is llama.cpp's unicode_cpt_is_han.
func isHan(c cpt) bool {
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
		(c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
		(c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
		(c >= 0x2CEB0 && c <= 0x2EBEF) || (c >= 0xF900 && c <= 0xFAFF) ||
		(c >= 0x2F800 && c <= 0x2FA1F)
}

// splitKimiK2 is llama.cpp's unicode_regex_split_custom_kimi_k2. It stands
// for Kimi's pattern ([\p{Han}]+|[^\r\n\p{L}\p{N}]?[Lu..M&&^Han]*[Ll..M&&^Han]+
// C?|...|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+) but
// is not the same: a word is any run of non-Han letters (marks not
// included), whatever their case, so this follows llama.cpp's code rather
// than the pattern.
func splitKimiK2(t *runes, start, end int, out []int) []int {
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
	letter := func(i int) bool { return flg(i).has(fLetter) && !isHan(get(i)) }
	const wln = fWhitespace | fLetter | fNumber
	for pos := start; pos < end; {
		c, f := t.c[pos], t.f[pos]
		if isHan(c) {
			for isHan(get(pos)) {
				pos++
			}
			add(pos)
			continue
		}
		lead := !(c == '\r' || c == '\n' || f.has(fLetter) || f.has(fNumber))
		if (f.has(fLetter) && !isHan(c)) || (lead && letter(pos+1)) {
			if lead {
				pos++
			}
			hasLetters := false
			for letter(pos) {
				hasLetters = true
				pos++
			}
			if hasLetters || (!lead && letter(pos)) {
				if !hasLetters {
					pos++
				}
				for letter(pos) {
					pos++
				}
				if get(pos) == '\'' && pos+1 < end {
					n := toLower(get(pos + 1))
					if n == 's' || n == 't' || n == 'm' || n == 'd' {
						pos += 2
					} else if pos+2 < end {
						nn := toLower(get(pos + 2))
						if (n == 'r' && nn == 'e') || (n == 'v' && nn == 'e') || (n == 'l' && nn == 'l') {
							pos += 3
						}
					}
				}
				add(pos)
				continue
			} else if lead {
				pos--
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
		if !f2.has(wln) && f2 != 0 {
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

// matchNonSpace is \S+ under std::wregex.
func matchNonSpace(t *runes, p, end int) int {
	e := runWhile(p, end, func(i int) bool { return !wideSpace(t.wideAt(i, end)) })
	if e == p {
		return -1
	}
	return e
}
