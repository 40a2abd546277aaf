package chat

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lexer follows jinja2's lexer with the settings Hugging Face uses:
// trim_blocks=True (the first newline after a block or comment tag is
// dropped), lstrip_blocks=True (spaces and tabs between the start of a line
// and a block or comment tag are dropped), keep_trailing_newline=False (one
// newline at the end of the source is dropped), and the explicit "-" / "+"
// whitespace controls on tags.

type tokKind uint8

const (
	tEOF tokKind = iota
	tText
	tVarBegin
	tVarEnd
	tBlockBegin
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp
)

type token struct {
	kind tokKind
	val  string // text, name, operator, or decoded string literal
	num  any    // int64 or float64 for numbers
	line int
}

// SyntaxError reports a template that cannot be parsed.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("chat: template line %d: %s", e.Line, e.Msg) }

type lexer struct {
	src   string
	pos   int
	line  int
	toks  []token
	depth int // open brackets inside the current tag
}

func lex(src string) ([]token, error) {
	// jinja2 turns every \r\n, \r and \n of the source into \n, then
	// (keep_trailing_newline=False) drops one newline at the end.
	if strings.ContainsRune(src, '\r') {
		src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
	}
	src = strings.TrimSuffix(src, "\n")
	lx := &lexer{src: src, line: 1}
	if err := lx.run(); err != nil {
		return nil, err
	}
	lx.toks = append(lx.toks, token{kind: tEOF, line: lx.line})
	return lx.toks, nil
}

func (lx *lexer) errf(format string, args ...any) error {
	return &SyntaxError{Line: lx.line, Msg: fmt.Sprintf(format, args...)}
}

func (lx *lexer) emitText(s string) {
	if s != "" {
		lx.toks = append(lx.toks, token{kind: tText, val: s, line: lx.line})
	}
	lx.line += strings.Count(s, "\n")
}

// advance moves past n bytes of source that produce no token.
func (lx *lexer) advance(n int) {
	lx.line += strings.Count(lx.src[lx.pos:lx.pos+n], "\n")
	lx.pos += n
}

func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || r == 0x1c || r == 0x1d || r == 0x1e || r == 0x1f
}

func rstripSpace(s string) string { return strings.TrimRightFunc(s, isPySpace) }

func onlySpace(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isPySpace(r) {
			return false
		}
	}
	return true
}

func (lx *lexer) run() error {
	lineStarting := true
	for lx.pos < len(lx.src) {
		idx := -1
		for i := lx.pos; i+1 < len(lx.src); i++ {
			if lx.src[i] == '{' {
				if c := lx.src[i+1]; c == '{' || c == '%' || c == '#' {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			lx.emitText(lx.src[lx.pos:])
			lx.pos = len(lx.src)
			return nil
		}
		text := lx.src[lx.pos:idx]
		kind := lx.src[idx+1]
		p := idx + 2
		var sign byte
		if p < len(lx.src) && (lx.src[p] == '-' || lx.src[p] == '+') {
			sign = lx.src[p]
			p++
		}
		if kind == '%' && lx.isRaw(p) {
			var err error
			if lineStarting, err = lx.raw(text, sign, idx, lineStarting); err != nil {
				return err
			}
			continue
		}
		if sign == '-' {
			text = rstripSpace(text)
		} else if sign != '+' && kind != '{' {
			lpos := strings.LastIndexByte(text, '\n') + 1
			if (lpos > 0 || lineStarting) && onlySpace(text[lpos:]) {
				text = text[:lpos]
			}
		}
		lx.emitText(text)
		lx.line += strings.Count(lx.src[len(text)+lx.pos:idx], "\n")
		lx.pos = idx
		lx.advance(p - idx)
		var err error
		switch kind {
		case '#':
			lineStarting, err = lx.comment()
		case '%':
			lx.toks = append(lx.toks, token{kind: tBlockBegin, line: lx.line})
			lineStarting, err = lx.tag(true)
		default:
			lx.toks = append(lx.toks, token{kind: tVarBegin, line: lx.line})
			lineStarting, err = lx.tag(false)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// comment skips to the end of a {# ... #} comment.
func (lx *lexer) comment() (bool, error) {
	j := strings.Index(lx.src[lx.pos:], "#}")
	if j < 0 {
		return false, lx.errf("unclosed comment")
	}
	end := lx.pos + j
	var sign byte
	if j > 0 {
		sign = lx.src[end-1]
	}
	stop := end + 2
	switch sign {
	case '-':
		for stop < len(lx.src) {
			r, n := utf8.DecodeRuneInString(lx.src[stop:])
			if !isPySpace(r) {
				break
			}
			stop += n
		}
	case '+':
	default:
		if stop < len(lx.src) && lx.src[stop] == '\n' {
			stop++
		}
	}
	lx.advance(stop - lx.pos)
	return lx.src[stop-1] == '\n', nil
}

// isRaw reports whether the block tag starting at p is "raw".
func (lx *lexer) isRaw(p int) bool {
	for p < len(lx.src) && isPySpace(rune(lx.src[p])) {
		p++
	}
	if !strings.HasPrefix(lx.src[p:], "raw") {
		return false
	}
	p += 3
	for p < len(lx.src) && isPySpace(rune(lx.src[p])) {
		p++
	}
	return strings.HasPrefix(lx.src[p:], "%}") || strings.HasPrefix(lx.src[p:], "-%}")
}

// raw handles {% raw %}...{% endraw %}: the body is text.
func (lx *lexer) raw(text string, sign byte, idx int, lineStarting bool) (bool, error) {
	if sign == '-' {
		text = rstripSpace(text)
	} else if sign != '+' {
		lpos := strings.LastIndexByte(text, '\n') + 1
		if (lpos > 0 || lineStarting) && onlySpace(text[lpos:]) {
			text = text[:lpos]
		}
	}
	lx.emitText(text)
	lx.line += strings.Count(lx.src[len(text)+lx.pos:idx], "\n")
	lx.pos = idx
	close := strings.Index(lx.src[idx:], "%}")
	stop := idx + close + 2
	if lx.src[idx+close-1] == '-' {
		for stop < len(lx.src) && isPySpace(rune(lx.src[stop])) {
			stop++
		}
	}
	lx.advance(stop - lx.pos)
	// find {% endraw %}
	for i := lx.pos; i+1 < len(lx.src); i++ {
		if lx.src[i] != '{' || lx.src[i+1] != '%' {
			continue
		}
		p := i + 2
		esign := byte(0)
		if p < len(lx.src) && (lx.src[p] == '-' || lx.src[p] == '+') {
			esign = lx.src[p]
			p++
		}
		for p < len(lx.src) && isPySpace(rune(lx.src[p])) {
			p++
		}
		if !strings.HasPrefix(lx.src[p:], "endraw") {
			continue
		}
		p += len("endraw")
		for p < len(lx.src) && isPySpace(rune(lx.src[p])) {
			p++
		}
		body := lx.src[lx.pos:i]
		if esign == '-' {
			body = rstripSpace(body)
		}
		var end int
		switch {
		case strings.HasPrefix(lx.src[p:], "-%}"):
			end = p + 3
			for end < len(lx.src) && isPySpace(rune(lx.src[end])) {
				end++
			}
		case strings.HasPrefix(lx.src[p:], "+%}"):
			end = p + 3
		case strings.HasPrefix(lx.src[p:], "%}"):
			end = p + 2
			if end < len(lx.src) && lx.src[end] == '\n' {
				end++
			}
		default:
			continue
		}
		lx.emitText(body)
		lx.line += strings.Count(lx.src[lx.pos+len(body):i], "\n")
		lx.pos = i
		lx.advance(end - i)
		return lx.src[end-1] == '\n', nil
	}
	return false, lx.errf("missing endraw")
}

var twoCharOps = []string{"**", "//", "==", "!=", "<=", ">="}

// tag lexes the inside of {% %} (block) or {{ }} and reports whether the
// end tag ended with a newline (jinja's line_starting).
func (lx *lexer) tag(block bool) (bool, error) {
	lx.depth = 0
	for {
		// whitespace
		for lx.pos < len(lx.src) {
			r, n := utf8.DecodeRuneInString(lx.src[lx.pos:])
			if !isPySpace(r) {
				break
			}
			lx.advance(n)
		}
		if lx.pos >= len(lx.src) {
			if block {
				return false, lx.errf("unexpected end of template, expected '%%}'")
			}
			return false, lx.errf("unexpected end of template, expected '}}'")
		}
		rest := lx.src[lx.pos:]
		if lx.depth == 0 {
			if block {
				switch {
				case strings.HasPrefix(rest, "-%}"):
					n := 3
					for lx.pos+n < len(lx.src) {
						r, sz := utf8.DecodeRuneInString(lx.src[lx.pos+n:])
						if !isPySpace(r) {
							break
						}
						n += sz
					}
					lx.toks = append(lx.toks, token{kind: tBlockEnd, line: lx.line})
					lx.advance(n)
					return lx.src[lx.pos-1] == '\n', nil
				case strings.HasPrefix(rest, "+%}"):
					lx.toks = append(lx.toks, token{kind: tBlockEnd, line: lx.line})
					lx.advance(3)
					return false, nil
				case strings.HasPrefix(rest, "%}"):
					n := 2
					if len(rest) > 2 && rest[2] == '\n' {
						n = 3
					}
					lx.toks = append(lx.toks, token{kind: tBlockEnd, line: lx.line})
					lx.advance(n)
					return n == 3, nil
				}
			} else {
				switch {
				case strings.HasPrefix(rest, "-}}"):
					n := 3
					for lx.pos+n < len(lx.src) {
						r, sz := utf8.DecodeRuneInString(lx.src[lx.pos+n:])
						if !isPySpace(r) {
							break
						}
						n += sz
					}
					lx.toks = append(lx.toks, token{kind: tVarEnd, line: lx.line})
					lx.advance(n)
					return lx.src[lx.pos-1] == '\n', nil
				case strings.HasPrefix(rest, "}}"):
					lx.toks = append(lx.toks, token{kind: tVarEnd, line: lx.line})
					lx.advance(2)
					return false, nil
				}
			}
		}
		c := rest[0]
		switch {
		case c == '\'' || c == '"':
			if err := lx.str(); err != nil {
				return false, err
			}
		case c >= '0' && c <= '9':
			if err := lx.number(); err != nil {
				return false, err
			}
		case c == '_' || unicode.IsLetter(rune(c)) || c >= utf8.RuneSelf:
			n := 0
			for n < len(rest) {
				r, sz := utf8.DecodeRuneInString(rest[n:])
				if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
					break
				}
				n += sz
			}
			if n == 0 {
				return false, lx.errf("unexpected character %q", rest[:1])
			}
			lx.toks = append(lx.toks, token{kind: tName, val: rest[:n], line: lx.line})
			lx.advance(n)
		default:
			op := ""
			for _, o := range twoCharOps {
				if strings.HasPrefix(rest, o) {
					op = o
					break
				}
			}
			if op == "" {
				if !strings.ContainsRune("+-*/%~<>=.,:|()[]{};", rune(c)) {
					return false, lx.errf("unexpected character %q", string(c))
				}
				op = rest[:1]
			}
			switch op {
			case "(", "[", "{":
				lx.depth++
			case ")", "]", "}":
				lx.depth--
				if lx.depth < 0 {
					return false, lx.errf("unexpected '%s'", op)
				}
			}
			lx.toks = append(lx.toks, token{kind: tOp, val: op, line: lx.line})
			lx.advance(len(op))
		}
	}
}

func (lx *lexer) number() error {
	rest := lx.src[lx.pos:]
	digits := func(i int) int {
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '_' && i+1 < len(rest) && rest[i+1] >= '0' && rest[i+1] <= '9') {
			i++
		}
		return i
	}
	n := digits(0)
	isFloat := false
	prevDot := lx.pos > 0 && lx.src[lx.pos-1] == '.'
	if !prevDot && n+1 < len(rest) && rest[n] == '.' && rest[n+1] >= '0' && rest[n+1] <= '9' {
		n = digits(n + 1)
		isFloat = true
	}
	if !prevDot && n < len(rest) && (rest[n] == 'e' || rest[n] == 'E') {
		m := n + 1
		if m < len(rest) && (rest[m] == '+' || rest[m] == '-') {
			m++
		}
		if m < len(rest) && rest[m] >= '0' && rest[m] <= '9' {
			n = digits(m)
			isFloat = true
		}
	}
	lit := strings.ReplaceAll(rest[:n], "_", "")
	tok := token{line: lx.line, val: rest[:n]}
	if isFloat {
		f, err := parseFloat(lit)
		if err != nil {
			return lx.errf("bad number %q", lit)
		}
		tok.kind, tok.num = tFloat, f
	} else {
		i, err := parseInt(lit)
		if err != nil {
			return lx.errf("bad number %q", lit)
		}
		tok.kind, tok.num = tInt, i
	}
	lx.toks = append(lx.toks, tok)
	lx.advance(n)
	return nil
}

// str lexes a string literal and decodes its escapes as Python's
// "unicode-escape" codec does (which is what jinja2 uses).
func (lx *lexer) str() error {
	rest := lx.src[lx.pos:]
	q := rest[0]
	i := 1
	for i < len(rest) && rest[i] != q {
		if rest[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(rest) {
		return lx.errf("unterminated string")
	}
	val, err := unescape(rest[1:i])
	if err != nil {
		return lx.errf("%v", err)
	}
	lx.toks = append(lx.toks, token{kind: tString, val: val, line: lx.line})
	lx.advance(i + 1)
	return nil
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := 0, 0
			for n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' {
				v = v*8 + int(s[i+n]-'0')
				n++
			}
			b.WriteRune(rune(v))
			i += n - 1
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+1+n > len(s) {
				return "", fmt.Errorf("truncated \\%c escape", e)
			}
			v, err := parseHex(s[i+1 : i+1+n])
			if err != nil || v > unicode.MaxRune {
				return "", fmt.Errorf("bad \\%c escape", e)
			}
			b.WriteRune(rune(v))
			i += n
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}
