package chat

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// jinja2's builtin filters that chat templates use, with jinja2's argument
// names and defaults. tojson is Hugging Face's override (json.dumps with
// ensure_ascii=False), not jinja2's HTML-safe one.

type filterFunc func(r *runner, v any, a argList) (any, error)

var filters map[string]filterFunc

func init() {
	filters = map[string]filterFunc{
		"abs":        fAbs,
		"attr":       fAttr,
		"batch":      fBatch,
		"capitalize": strFilter(pyCapitalize),
		"center":     fCenter,
		"count":      fLength,
		"d":          fDefault,
		"default":    fDefault,
		"dictsort":   fDictsort,
		"e":          fEscape,
		"escape":     fEscape,
		"first":      fFirst,
		"float":      fFloat,
		"format":     fFormat,
		"indent":     fIndent,
		"int":        fInt,
		"items":      fItems,
		"join":       fJoin,
		"last":       fLast,
		"length":     fLength,
		"list":       fList,
		"lower":      strFilter(strings.ToLower),
		"map":        fMap,
		"max":        fMinMax(1),
		"min":        fMinMax(-1),
		"reject":     fSelect(false, false),
		"rejectattr": fSelect(false, true),
		"replace":    fReplace,
		"reverse":    fReverse,
		"round":      fRound,
		"safe":       func(_ *runner, v any, _ argList) (any, error) { return markup(pyStr(v)), nil },
		"select":     fSelect(true, false),
		"selectattr": fSelect(true, true),
		"sort":       fSort,
		"string":     func(_ *runner, v any, _ argList) (any, error) { return stringOf(v), nil },
		"sum":        fSum,
		"title":      strFilter(pyTitle),
		"tojson":     fToJSON,
		"trim":       fTrim,
		"truncate":   fTruncate,
		"unique":     fUnique,
		"upper":      strFilter(strings.ToUpper),
		"wordcount":  fWordcount,
	}
}

func stringOf(v any) any {
	if m, ok := v.(markup); ok {
		return m
	}
	return pyStr(v)
}

func (r *runner) applyFilter(f *filterExpr, v any, sc *scope) (any, error) {
	fn, ok := filters[f.name]
	if !ok {
		return nil, rtErr(f.line, "no filter named '%s'", f.name)
	}
	args, kw, err := r.evalArgs(f.args, sc)
	if err != nil {
		return nil, err
	}
	if err := r.stepN(workOf(v), f.line); err != nil {
		return nil, err
	}
	out, err := fn(r, v, argList{fn: f.name, args: args, kw: kw})
	if err != nil {
		return nil, wrapLine(err, f.line)
	}
	return out, nil
}

func strFilter(f func(string) string) filterFunc {
	return func(_ *runner, v any, _ argList) (any, error) { return f(pyStr(v)), nil }
}

func fAbs(_ *runner, v any, _ argList) (any, error) {
	switch n := v.(type) {
	case int64:
		return absInt(n), nil
	case float64:
		return math.Abs(n), nil
	case bool:
		return map[bool]int64{true: 1, false: 0}[n], nil
	}
	return nil, fmt.Errorf("bad operand type for abs(): '%s'", typeName(v))
}

func fAttr(_ *runner, v any, a argList) (any, error) {
	name, err := a.str(0, "name", "")
	if err != nil {
		return nil, err
	}
	return getAttr(v, name, 0)
}

func fCenter(_ *runner, v any, a argList) (any, error) {
	w, err := a.int(0, "width", 80)
	if err != nil {
		return nil, err
	}
	s := pyStr(v)
	n := int64(utf8.RuneCountInString(s))
	if n >= w {
		return s, nil
	}
	if w > maxPad {
		return nil, fmt.Errorf("%w: center width %d over %d", ErrLimit, w, maxPad)
	}
	pad := w - n
	left := pad / 2
	if pad%2 == 1 && w%2 == 1 { // Python's centering puts the odd space on the left when width is odd
		left++
	}
	return strings.Repeat(" ", int(left)) + s + strings.Repeat(" ", int(pad-left)), nil
}

func fDefault(_ *runner, v any, a argList) (any, error) {
	def := a.arg(0, "default_value", "")
	boolean := truthy(a.arg(1, "boolean", false))
	if isUndefined(v) || boolean && !truthy(v) {
		return def, nil
	}
	return v, nil
}

func fEscape(_ *runner, v any, _ argList) (any, error) {
	if m, ok := v.(markup); ok {
		return m, nil
	}
	return markup(htmlEscape(pyStr(v))), nil
}

func fFirst(_ *runner, v any, _ argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return undefined{hint: "No first item, sequence was empty."}, nil
	}
	return items[0], nil
}

func fLast(_ *runner, v any, _ argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return undefined{hint: "No last item, sequence was empty."}, nil
	}
	return items[len(items)-1], nil
}

func fFloat(_ *runner, v any, a argList) (any, error) {
	def := a.arg(0, "default", 0.0)
	switch n := v.(type) {
	case float64:
		return n, nil
	case int64:
		return float64(n), nil
	case bool:
		return map[bool]float64{true: 1, false: 0}[n], nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimFunc(n, isPySpace), 64)
		if err != nil {
			return def, nil
		}
		return f, nil
	}
	return def, nil
}

func fInt(_ *runner, v any, a argList) (any, error) {
	def := a.arg(0, "default", int64(0))
	base, err := a.int(1, "base", 10)
	if err != nil {
		return nil, err
	}
	switch n := v.(type) {
	case int64:
		return n, nil
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return def, nil
		}
		return int64(n), nil
	case bool:
		return map[bool]int64{true: 1, false: 0}[n], nil
	case string:
		s := strings.ReplaceAll(strings.TrimFunc(n, isPySpace), "_", "")
		// Python's int(s, base) accepts the prefix that matches the base.
		if prefix := map[int64]string{16: "0x", 8: "0o", 2: "0b"}[base]; prefix != "" && len(s) > 2 {
			if body := strings.TrimLeft(s, "+-"); strings.EqualFold(body[:min(2, len(body))], prefix) {
				s = s[:len(s)-len(body)] + body[2:]
			}
		}
		if i, err := strconv.ParseInt(s, int(base), 64); err == nil {
			return i, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && base == 10 {
			return int64(f), nil
		}
		return def, nil
	}
	return def, nil
}

func fFormat(_ *runner, v any, a argList) (any, error) {
	if a.kw != nil && len(a.kw.keys) > 0 {
		return nil, errors.New("format: keyword arguments are not supported")
	}
	return percentFormat(pyStr(v), newTuple(a.args))
}

func fIndent(_ *runner, v any, a argList) (any, error) {
	s := pyStr(v)
	width := a.arg(0, "width", int64(4))
	pad := ""
	if ws, ok := asString(width); ok {
		pad = ws
	} else if n, ok := indexOf(width); ok {
		if n > maxPad {
			return nil, fmt.Errorf("%w: indent width %d over %d", ErrLimit, n, maxPad)
		}
		pad = strings.Repeat(" ", int(max(n, 0)))
	}
	first := truthy(a.arg(1, "first", false))
	blank := truthy(a.arg(2, "blank", false))
	newline := "\n"
	s += newline
	lines := strings.Split(s, newline)
	lines = lines[:len(lines)-1] // jinja2 splits after appending a newline
	if len(pad)*len(lines) > maxPad {
		return nil, fmt.Errorf("%w: indented text over %d bytes", ErrLimit, maxPad)
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString(newline)
		}
		if (i > 0 || first) && (blank || strings.TrimFunc(l, isPySpace) != "") {
			b.WriteString(pad)
		}
		b.WriteString(l)
	}
	return b.String(), nil
}

func fItems(_ *runner, v any, _ argList) (any, error) {
	switch d := v.(type) {
	case *dict:
		return dictItems(d), nil
	case undefined:
		return newList(nil), nil
	}
	return nil, fmt.Errorf("can only get item pairs from a mapping, not %s", typeName(v))
}

func fLength(_ *runner, v any, _ argList) (any, error) {
	n, err := length(v)
	return int64(n), err
}

func fList(_ *runner, v any, _ argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return newList(append([]any(nil), items...)), nil
}

func fReplace(_ *runner, v any, a argList) (any, error) {
	old, err := a.str(0, "old", "")
	if err != nil {
		return nil, err
	}
	nw, err := a.str(1, "new", "")
	if err != nil {
		return nil, err
	}
	n, err := a.int(2, "count", -1)
	if err != nil {
		return nil, err
	}
	return strings.Replace(pyStr(v), old, nw, int(n)), nil
}

func fReverse(_ *runner, v any, _ argList) (any, error) {
	if s, ok := asString(v); ok {
		rs := []rune(s)
		slices.Reverse(rs)
		return string(rs), nil
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := append([]any(nil), items...)
	slices.Reverse(out)
	return newList(out), nil
}

func fRound(_ *runner, v any, a argList) (any, error) {
	prec, err := a.int(0, "precision", 0)
	if err != nil {
		return nil, err
	}
	method, _ := a.str(1, "method", "common")
	n, ok := toNumber(v)
	if !ok {
		return nil, fmt.Errorf("round: expected a number, got %s", typeName(v))
	}
	f := toFloat(n)
	p := math.Pow(10, float64(prec))
	switch method {
	case "common":
		// Python's round(): correctly rounded, ties to even.
		if prec >= 0 && !math.IsInf(f, 0) && !math.IsNaN(f) {
			f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'f', int(prec), 64), 64)
		} else {
			f = math.RoundToEven(f*p) / p
		}
	case "ceil":
		f = math.Ceil(f*p) / p
	case "floor":
		f = math.Floor(f*p) / p
	default:
		return nil, errors.New("method must be common, ceil or floor")
	}
	return f, nil
}

func fTrim(_ *runner, v any, a argList) (any, error) {
	return pyStrip(pyStr(v), a.arg(0, "chars", nil), true, true)
}

func fWordcount(_ *runner, v any, _ argList) (any, error) {
	// jinja2 counts matches of Python's \w+ (letters, numbers, "_").
	return int64(len(strings.FieldsFunc(pyStr(v), func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r))
	}))), nil
}

// truncateLeeway is jinja2's default policy "truncate.leeway".
const truncateLeeway = 5

func fTruncate(_ *runner, v any, a argList) (any, error) {
	s := []rune(pyStr(v))
	n, err := a.int(0, "length", 255)
	if err != nil {
		return nil, err
	}
	killwords := truthy(a.arg(1, "killwords", false))
	end, err := a.str(2, "end", "...")
	if err != nil {
		return nil, err
	}
	leeway, err := a.int(3, "leeway", truncateLeeway)
	if err != nil {
		return nil, err
	}
	endLen := int64(len([]rune(end)))
	if n < endLen {
		return nil, errors.New("expected length >= len(end)")
	}
	if leeway < 0 {
		return nil, errors.New("expected leeway >= 0")
	}
	if int64(len(s)) <= n+leeway {
		return string(s), nil
	}
	cut := string(s[:n-endLen])
	if killwords {
		return cut + end, nil
	}
	if i := strings.LastIndexByte(cut, ' '); i >= 0 { // s.rsplit(" ", 1)[0]
		cut = cut[:i]
	}
	return cut + end, nil
}

// workOf is the step price of a builtin over v: its items, or its bytes.
func workOf(v any) int {
	switch v := v.(type) {
	case *list:
		return len(v.items)
	case *dict:
		return len(v.keys)
	case string:
		return len(v) / bytesPerStep
	case markup:
		return len(v) / bytesPerStep
	}
	return 0
}
