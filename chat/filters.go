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

func fBatch(_ *runner, v any, a argList) (any, error) {
	n, err := a.int(0, "linecount", 1)
	if err != nil || n <= 0 {
		return nil, errors.New("batch: linecount must be positive")
	}
	if n > maxRange {
		return nil, fmt.Errorf("%w: batch size %d over %d", ErrLimit, n, maxRange)
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	fill := a.arg(1, "fill_with", nil)
	var out []any
	for i := 0; i < len(items); i += int(n) {
		chunk := append([]any(nil), items[i:min(len(items), i+int(n))]...)
		for fill != nil && len(chunk) < int(n) {
			chunk = append(chunk, fill)
		}
		out = append(out, newList(chunk))
	}
	return newList(out), nil
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

func fDictsort(_ *runner, v any, a argList) (any, error) {
	d, ok := v.(*dict)
	if !ok {
		return nil, fmt.Errorf("dictsort: expected a dict, got %s", typeName(v))
	}
	caseSensitive := truthy(a.arg(0, "case_sensitive", false))
	by, _ := a.str(1, "by", "key")
	reverse := truthy(a.arg(2, "reverse", false))
	items := dictItems(d).items
	col := 0
	if by == "value" {
		col = 1
	}
	var sortErr error
	slices.SortStableFunc(items, func(x, y any) int {
		c, err := compare(sortKey(x.(*list).items[col], caseSensitive), sortKey(y.(*list).items[col], caseSensitive))
		if err != nil {
			sortErr = err
		}
		if reverse {
			return -c
		}
		return c
	})
	return newList(items), sortErr
}

func sortKey(v any, caseSensitive bool) any {
	if s, ok := asString(v); ok && !caseSensitive {
		return strings.ToLower(s)
	}
	return v
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

func fJoin(r *runner, v any, a argList) (any, error) {
	sep, err := a.str(0, "d", "")
	if err != nil {
		return nil, err
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr := a.arg(1, "attribute", nil)
	parts := make([]string, len(items))
	for i, it := range items {
		if attr != nil {
			if it, err = attrPath(it, attr); err != nil {
				return nil, err
			}
		}
		parts[i] = pyStr(it)
	}
	return strings.Join(parts, sep), nil
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

// attrPath resolves jinja2's dotted attribute strings ("function.name") and
// integer indexes, as environment.getitem does for each part.
func attrPath(v any, attr any) (any, error) {
	s, ok := asString(attr)
	if !ok {
		return getItem(v, attr, 0)
	}
	for _, part := range strings.Split(s, ".") {
		var key any = part
		if n, err := strconv.ParseInt(part, 10, 64); err == nil {
			key = n
		}
		var err error
		if v, err = getItem(v, key, 0); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func fMap(r *runner, v any, a argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	if attr := a.arg(-1, "attribute", nil); attr != nil {
		def := a.arg(-1, "default", nil)
		for i, it := range items {
			x, err := attrPath(it, attr)
			if err != nil {
				return nil, err
			}
			if isUndefined(x) && def != nil {
				x = def
			}
			out[i] = x
		}
		return newList(out), nil
	}
	name, err := a.str(0, "", "")
	if err != nil {
		return nil, err
	}
	fn, ok := filters[name]
	if !ok {
		return nil, fmt.Errorf("no filter named '%s'", name)
	}
	sub := argList{fn: name, args: a.args[min(1, len(a.args)):], kw: a.kw}
	for i, it := range items {
		if out[i], err = fn(r, it, sub); err != nil {
			return nil, err
		}
	}
	return newList(out), nil
}

func fMinMax(sign int) filterFunc {
	return func(_ *runner, v any, a argList) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return undefined{hint: "No aggregated item, sequence was empty."}, nil
		}
		caseSensitive := truthy(a.arg(0, "case_sensitive", false))
		attr := a.arg(1, "attribute", nil)
		best := items[0]
		key := func(x any) (any, error) {
			if attr != nil {
				var err error
				if x, err = attrPath(x, attr); err != nil {
					return nil, err
				}
			}
			return sortKey(x, caseSensitive), nil
		}
		bk, err := key(best)
		if err != nil {
			return nil, err
		}
		for _, it := range items[1:] {
			k, err := key(it)
			if err != nil {
				return nil, err
			}
			c, err := compare(k, bk)
			if err != nil {
				return nil, err
			}
			if c*sign > 0 {
				best, bk = it, k
			}
		}
		return best, nil
	}
}

// fSelect implements select/reject/selectattr/rejectattr.
func fSelect(keep, byAttr bool) filterFunc {
	return func(r *runner, v any, a argList) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		rest := a.args
		var attr any
		if byAttr {
			if len(rest) == 0 {
				return nil, errors.New("missing parameter for attribute name")
			}
			attr, rest = rest[0], rest[1:]
		}
		var out []any
		for _, it := range items {
			x := it
			if byAttr {
				if x, err = attrPath(it, attr); err != nil {
					return nil, err
				}
			}
			var ok bool
			if len(rest) == 0 {
				ok = truthy(x)
			} else {
				name, isStr := asString(rest[0])
				if !isStr {
					return nil, errors.New("test name must be a string")
				}
				if ok, err = r.runTest(name, x, rest[1:], a.kw); err != nil {
					return nil, err
				}
			}
			if ok == keep {
				out = append(out, it)
			}
		}
		return newList(out), nil
	}
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

func fSort(_ *runner, v any, a argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	reverse := truthy(a.arg(0, "reverse", false))
	caseSensitive := truthy(a.arg(1, "case_sensitive", false))
	attr := a.arg(2, "attribute", nil)
	out := append([]any(nil), items...)
	keys := make([]any, len(out))
	for i, it := range out {
		k := it
		if attr != nil {
			if k, err = attrPath(it, attr); err != nil {
				return nil, err
			}
		}
		keys[i] = sortKey(k, caseSensitive)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	var sortErr error
	slices.SortStableFunc(idx, func(x, y int) int {
		c, err := compare(keys[x], keys[y])
		if err != nil {
			sortErr = err
		}
		if reverse {
			return -c
		}
		return c
	})
	sorted := make([]any, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return newList(sorted), sortErr
}

func fSum(r *runner, v any, a argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr := a.arg(0, "attribute", nil)
	total := a.arg(1, "start", int64(0))
	for _, it := range items {
		if attr != nil {
			if it, err = attrPath(it, attr); err != nil {
				return nil, err
			}
		}
		if total, err = r.binOp("+", total, it); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func fTrim(_ *runner, v any, a argList) (any, error) {
	return pyStrip(pyStr(v), a.arg(0, "chars", nil), true, true)
}

func fUnique(_ *runner, v any, a argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	caseSensitive := truthy(a.arg(0, "case_sensitive", false))
	attr := a.arg(1, "attribute", nil)
	var out, seen []any
	for _, it := range items {
		k := it
		if attr != nil {
			if k, err = attrPath(it, attr); err != nil {
				return nil, err
			}
		}
		k = sortKey(k, caseSensitive)
		if slices.ContainsFunc(seen, func(s any) bool { return equal(s, k) }) {
			continue
		}
		seen = append(seen, k)
		out = append(out, it)
	}
	return newList(out), nil
}

func fWordcount(_ *runner, v any, _ argList) (any, error) {
	// jinja2 counts matches of Python's \w+ (letters, numbers, "_").
	return int64(len(strings.FieldsFunc(pyStr(v), func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r))
	}))), nil
}

func fToJSON(_ *runner, v any, a argList) (any, error) {
	opts := jsonOpts{itemSep: ", ", keySep: ": "}
	// Hugging Face's signature: tojson(x, ensure_ascii=False, indent=None,
	// separators=None, sort_keys=False)
	opts.ascii = truthy(a.arg(0, "ensure_ascii", false))
	switch ind := a.arg(1, "indent", None).(type) {
	case noneType:
	case int64:
		opts.indent, opts.pretty = strings.Repeat(" ", int(max(ind, 0))), true
	case string:
		opts.indent, opts.pretty = ind, true
	default:
		return nil, fmt.Errorf("tojson: indent must be an int or a string, not %s", typeName(ind))
	}
	if opts.pretty {
		opts.itemSep = ","
	}
	if sep, ok := a.arg(2, "separators", None).(*list); ok {
		if len(sep.items) != 2 {
			return nil, errors.New("tojson: separators must be a pair")
		}
		opts.itemSep, _ = asString(sep.items[0])
		opts.keySep, _ = asString(sep.items[1])
	}
	opts.sortKeys = truthy(a.arg(3, "sort_keys", false))
	var b strings.Builder
	if err := writeJSON(&b, v, opts, 0); err != nil {
		return nil, err
	}
	return b.String(), nil
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
	if i := strings.LastIndexByte(cut, ' '); i >= 0 {
		cut = cut[:i]
	} else {
		cut = ""
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
