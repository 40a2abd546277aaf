package tokenizer

// Matchers for the patterns llama.cpp runs through std::regex. Each comment
// gives the pattern and, where backtracking matters, why the code finds the
// same match as a leftmost-first backtracking engine.

// runClass returns the end of the run of code points in the classes m.
func (t *runes) runClass(p, end int, m cflags) int {
	for p < end && t.is(p, end, m) {
		p++
	}
	return p
}

// matchClassRun matches [classes]+ over the collapsed text, with extra
// ASCII characters allowed too, e.g. [\p{P}\$\+<=>\^~\|]+.
func matchClassRun(m cflags, extra string) matcher {
	var ext [128]bool
	for _, c := range extra {
		ext[c] = true
	}
	return func(t *runes, p, end int) int {
		e := runWhile(p, end, func(i int) bool {
			c := t.c[i]
			return t.is(i, end, m) || (c >= 0 && c < 128 && ext[c])
		})
		if e == p {
			return -1
		}
		return e
	}
}

// matchNumbers matches \p{N}{1,max}, or \p{N}+ when max is 0.
func matchNumbers(max int) matcher {
	return func(t *runes, p, end int) int { return t.numbers(p, end, max) }
}

// numbers is matchNumbers(max) at p.
func (t *runes) numbers(p, end, max int) int {
	e := p
	for e < end && t.is(e, end, fNumber) && (max == 0 || e-p < max) {
		e++
	}
	if e == p {
		return -1
	}
	return e
}

// matchDigits3 matches [0-9][0-9][0-9].
func matchDigits3(t *runes, p, end int) int {
	if p+3 > end {
		return -1
	}
	for i := p; i < p+3; i++ {
		if t.c[i] < '0' || t.c[i] > '9' {
			return -1
		}
	}
	return p + 3
}

// matchNewline matches [\r\n].
func matchNewline(t *runes, p, end int) int {
	if c := t.c[p]; c == '\r' || c == '\n' {
		return p + 1
	}
	return -1
}

// matchWideRun matches [ranges]+ under std::wregex.
func matchWideRun(rs []cptRange) matcher {
	return func(t *runes, p, end int) int {
		e := runWhile(p, end, func(i int) bool { return inSortedRanges(t.wideAt(i, end), rs) })
		if e == p {
			return -1
		}
		return e
	}
}

// matchWideSpaceRun matches \s?[class]+ under std::wregex: with the space
// when one precedes the run, else the run alone. The class holds no space.
func matchWideSpaceRun(in func(c cpt) bool) matcher {
	return func(t *runes, p, end int) int {
		s := p
		if wideSpace(t.wideAt(p, end)) && p+1 < end && in(t.wideAt(p+1, end)) {
			s = p + 1
		} else if !in(t.wideAt(p, end)) {
			return -1
		}
		return runWhile(s, end, func(i int) bool { return in(t.wideAt(i, end)) })
	}
}

// matchSpaceClassRun matches \s?[classes]+ over the collapsed text.
func matchSpaceClassRun(m cflags) matcher {
	return func(t *runes, p, end int) int {
		s := p
		if t.isSpace(p, end) && t.is(p+1, end, m) {
			s = p + 1
		} else if !t.is(p, end, m) {
			return -1
		}
		return t.runClass(s, end, m)
	}
}

// splitTrailingSpace is \s+$ under std::wregex: the leftmost match is the
// whole run of spaces that ends the piece, if it ends with one.
func splitTrailingSpace(t *runes, start, end int, out []int) []int {
	s := end
	for s > start && wideSpace(t.wideAt(s-1, end)) {
		s--
	}
	if s > start {
		out = append(out, s-start)
	}
	if s < end {
		out = append(out, end-s)
	}
	return out
}

// splitLines is [^\n]+|[\n]+: runs of newlines and runs of everything else.
func splitLines(t *runes, start, end int, out []int) []int {
	for p := start; p < end; {
		nl := t.c[p] == '\n'
		e := p + 1
		for e < end && (t.c[e] == '\n') == nl {
			e++
		}
		out = append(out, e-p)
		p = e
	}
	return out
}

// contraction matches '[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]
// at p and returns its end, or -1.
func (t *runes) contraction(p, end int) int {
	if t.at(p, end) != '\'' {
		return -1
	}
	switch t.at(p+1, end) {
	case 's', 'S', 't', 'T', 'm', 'M', 'd', 'D':
		return p + 2
	}
	a, b := t.at(p+1, end)|0x20, t.at(p+2, end)|0x20
	if t.at(p+1, end) == oor || t.at(p+2, end) == oor {
		return -1
	}
	if (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') {
		return p + 3
	}
	return -1
}

// matchSpaces matches the whitespace alternatives that end most patterns,
// \s*[\r\n]+|\s+(?!\S)|\s+ (or \s*[\r\n] with the same result):
//   - \s*[\r\n]+: \s* first takes the whole run of spaces and gives back
//     until [\r\n]+ can match, so the match ends after the run's last \r or \n;
//   - \s+(?!\S): the whole run when it ends the piece, else the run less its
//     last space when that leaves at least one;
//   - \s+: the whole run (one space before a non-space).
func (t *runes) matchSpaces(p, end int, newlines bool) int {
	if !t.isSpace(p, end) {
		return -1
	}
	q, lastNL := p, -1
	for q < end && t.isSpace(q, end) {
		if c := t.c[q]; c == '\r' || c == '\n' {
			lastNL = q
		}
		q++
	}
	if newlines && lastNL >= 0 {
		return lastNL + 1
	}
	if q == end || q-p == 1 {
		return q
	}
	return q - 1
}

// matchOthers matches " ?[^\s...]+[trail]*": an optional space, a run of
// code points outside the classes not (and not \s), then any of trail.
func (t *runes) matchOthers(p, end int, not cflags, trail string) int {
	other := func(i int) bool { return i < end && !t.is(i, end, fWhitespace|not) }
	s := p
	if t.at(p, end) == ' ' && other(p+1) {
		s = p + 1
	} else if !other(p) {
		return -1
	}
	e := runWhile(s, end, other)
	for e < end {
		c := t.c[e]
		if c >= 128 || !containsByte(trail, byte(c)) {
			break
		}
		e++
	}
	return e
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// qwenLike is the family of
// C|[^\r\n\p{L}\p{N}]?W+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// where C is the contractions and W is \p{L} (or [\p{L}\p{M}]).
type qwenLike struct {
	contractions bool   // start with the contractions alternative
	marks        bool   // W and the "others" class also take \p{M} (qwen35)
	digits       int    // D; 0 for \p{N}+
	trail        string // what [..]* follows the others run
	jaisSpaces   bool   // jais-2's \s{512}(?!\S)|...|\s{1,2}(?!\S)|\s{1} tail
}

func (q qwenLike) match(t *runes, p, end int) int {
	if q.contractions {
		if e := t.contraction(p, end); e >= 0 {
			return e
		}
	}
	word := fLetter
	if q.marks {
		word |= fMark
	}
	// [^\r\n\p{L}\p{N}]?W+: with the prefix when a word follows it, else
	// the word alone (a mark as prefix gives the same end either way).
	c := t.c[p]
	if c != '\r' && c != '\n' && !t.is(p, end, fLetter|fNumber) && t.is(p+1, end, word) {
		return t.runClass(p+1, end, word)
	}
	if t.is(p, end, word) {
		return t.runClass(p, end, word)
	}
	if t.is(p, end, fNumber) {
		return t.numbers(p, end, q.digits)
	}
	not := fLetter | fNumber
	if q.marks {
		not |= fMark
	}
	if e := t.matchOthers(p, end, not, q.trail); e >= 0 {
		return e
	}
	if q.jaisSpaces {
		return t.matchJaisSpaces(p, end)
	}
	return t.matchSpaces(p, end, true)
}

// matchJaisSpaces is \s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|...|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1}:
// \s{n}(?!\S) holds when n spaces are followed by another space, or end
// the piece.
func (t *runes) matchJaisSpaces(p, end int) int {
	if !t.isSpace(p, end) {
		return -1
	}
	q, lastNL := p, -1
	for q < end && t.isSpace(q, end) {
		if c := t.c[q]; c == '\r' || c == '\n' {
			lastNL = q
		}
		q++
	}
	if lastNL >= 0 {
		return lastNL + 1
	}
	fits := func(n int) bool { return p+n < q || (p+n == q && q == end) }
	for n := 512; n >= 4; n /= 2 {
		if fits(n) {
			return p + n
		}
	}
	if fits(2) {
		return p + 2
	}
	return p + 1
}

// tekkenLike is
// [^\r\n\p{L}\p{N}]?U*W+C?|[^\r\n\p{L}\p{N}]?U+W*C?|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
// with U = ((?=[\p{L}])([^a-z])) (a letter but not a-z) and W =
// ((?=[\p{L}])([^A-Z])) (a letter but not A-Z); non-ASCII letters are both.
// C is the optional contractions (gpt-4o) or nothing (tekken). With marks
// the lookaheads are [\p{L}\p{M}] (granite-embed-multi). With flat, U and W
// are both [\p{L}\p{M}]: patterns written with \p{Lu}, \p{Ll}, ... collapse
// that way in llama.cpp, where every letter category is one class (youtu,
// tiny_aya).
type tekkenLike struct {
	contractions bool
	digits       int
	marks        bool
	flat         bool
}

func (k tekkenLike) match(t *runes, p, end int) int {
	word := fLetter
	if k.marks || k.flat {
		word |= fMark
	}
	isU := func(i int) bool {
		c := t.c[i]
		return t.is(i, end, word) && (k.flat || !(c >= 'a' && c <= 'z'))
	}
	isW := func(i int) bool {
		c := t.c[i]
		return t.is(i, end, word) && (k.flat || !(c >= 'A' && c <= 'Z'))
	}
	suffix := func(e int) int {
		if k.contractions {
			if x := t.contraction(e, end); x >= 0 {
				return x
			}
		}
		return e
	}
	// U*W+ from s: U* takes the whole U run [s,u); if a W that is not a U
	// follows, W+ runs on from u. Otherwise U* gives back one code point at
	// a time until W+ can start at some j < u; W+ then ends at j+1, as
	// c[j+1..u) are not W and c[u] is no W either.
	alt1 := func(s int) int {
		u := runWhile(s, end, isU)
		if u < end && isW(u) {
			return suffix(runWhile(u, end, isW))
		}
		for j := u - 1; j >= s; j-- {
			if isW(j) {
				if j+1 < u {
					return suffix(j + 1)
				}
				return suffix(runWhile(j, end, isW))
			}
		}
		return -1
	}
	// U+W*: both greedy, nothing to give back.
	alt2 := func(s int) int {
		u := runWhile(s, end, isU)
		if u == s {
			return -1
		}
		return suffix(runWhile(u, end, isW))
	}
	// The regex tries each alternative with the optional prefix first.
	c := t.c[p]
	prefix := c != '\r' && c != '\n' && !t.is(p, end, fLetter|fNumber) && p+1 < end
	if prefix {
		if e := alt1(p + 1); e >= 0 {
			return e
		}
	}
	if e := alt1(p); e >= 0 {
		return e
	}
	if prefix {
		if e := alt2(p + 1); e >= 0 {
			return e
		}
	}
	if e := alt2(p); e >= 0 {
		return e
	}
	if t.is(p, end, fNumber) {
		return t.numbers(p, end, k.digits)
	}
	if e := t.matchOthers(p, end, fLetter|fNumber, "\r\n/"); e >= 0 {
		return e
	}
	return t.matchSpaces(p, end, true)
}

// deepseekV3Like is
// [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// (deepseek-v3, afmoe), or with spark2_5's " ?[\p{P}\p{S}]+|[\r\n]|..." tail.
type deepseekV3Like struct {
	spark bool
}

func isASCIIPunct(c cpt) bool {
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~')
}

func isASCIILetter(c cpt) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

func (d deepseekV3Like) match(t *runes, p, end int) int {
	c := t.c[p]
	if isASCIIPunct(c) && isASCIILetter(t.at(p+1, end)) {
		return runWhile(p+1, end, func(i int) bool { return isASCIILetter(t.c[i]) })
	}
	const lm = fLetter | fMark
	if c != '\r' && c != '\n' && !t.is(p, end, fLetter|fPunct|fSymbol) && t.is(p+1, end, lm) {
		return t.runClass(p+1, end, lm)
	}
	if t.is(p, end, lm) {
		return t.runClass(p, end, lm)
	}
	const ps = fPunct | fSymbol
	s := p
	if c == ' ' && t.is(p+1, end, ps) {
		s = p + 1
	}
	if t.is(s, end, ps) {
		e := t.runClass(s, end, ps)
		if !d.spark {
			for e < end && (t.c[e] == '\r' || t.c[e] == '\n') {
				e++
			}
		}
		return e
	}
	if d.spark {
		if c == '\r' || c == '\n' {
			return p + 1
		}
		return t.matchSpaces(p, end, false)
	}
	return t.matchSpaces(p, end, true)
}

// poroBreaks are the code points of [^(\s|.,!?…。，、।۔،)] besides \s.
var poroBreaks = []cpt{'(', '|', '.', ',', '!', '?', ')', 0x2026, 0x3002, 0xFF0C, 0x3001, 0x0964, 0x06D4, 0x060C}

// matchPoro is " ?[^(\s|.,!?…。，、।۔،)]+" under std::wregex.
func matchPoro(t *runes, p, end int) int {
	in := func(i int) bool {
		c := t.wideAt(i, end)
		if c == oor || wideSpace(c) {
			return false
		}
		for _, b := range poroBreaks {
			if c == b {
				return false
			}
		}
		return true
	}
	s := p
	if t.c[p] == ' ' && in(p+1) {
		s = p + 1
	} else if !in(p) {
		return -1
	}
	return runWhile(s, end, in)
}
