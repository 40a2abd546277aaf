package chat

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Template values model Python's, since chat templates are written against
// Python semantics (str(), ==, truthiness, repr of containers):
//
//	noneType   None
//	undefined  jinja2's Undefined (missing variable, key or attribute)
//	bool, int64, float64, string
//	markup     a macro's result (jinja2's Markup: "+" escapes the other operand)
//	*list      list or tuple
//	*dict      dict with insertion order (JSON objects keep their key order)
//	*namespace jinja2's namespace()
//	*loopInfo  the "loop" variable of a for loop
//	callable   builtin functions, bound methods and macros

type noneType struct{}

// pyNone is the template value None.
var pyNone = noneType{}

type undefined struct{ hint string }

type markup string

type list struct {
	items []any
	tuple bool
}

type dict struct {
	keys  []any
	vals  []any
	index map[any]int
}

type namespace struct{ attrs *dict }

type callable interface {
	call(r *runner, args []any, kw *dict) (any, error)
	name() string
}

func newList(items []any) *list  { return &list{items: items} }
func newTuple(items []any) *list { return &list{items: items, tuple: true} }
func newDict() *dict             { return &dict{index: map[any]int{}} }

// hashKey maps equal Python keys to one Go map key (1 == 1.0 == True).
func hashKey(k any) (any, bool) { return hashKeyDepth(k, 0) }

func hashKeyDepth(k any, depth int) (any, bool) {
	if depth > maxValueDepth {
		return nil, false
	}
	switch v := k.(type) {
	case string:
		return v, true
	case markup:
		return string(v), true
	case int64:
		return v, true
	case bool:
		if v {
			return int64(1), true
		}
		return int64(0), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<62 {
			return int64(v), true
		}
		return v, true
	case noneType:
		return v, true
	case *list:
		if v.tuple {
			parts := make([]string, len(v.items))
			for i, it := range v.items {
				hk, ok := hashKeyDepth(it, depth+1)
				if !ok {
					return nil, false
				}
				parts[i] = fmt.Sprintf("%T:%v", hk, hk)
			}
			return "\x00tuple:" + strings.Join(parts, "\x00"), true
		}
	}
	return nil, false
}

func (d *dict) get(k any) (any, bool) {
	hk, ok := hashKey(k)
	if !ok {
		return nil, false
	}
	i, ok := d.index[hk]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

func (d *dict) set(k, v any) error {
	hk, ok := hashKey(k)
	if !ok {
		return fmt.Errorf("unhashable type: '%s'", typeName(k))
	}
	if i, ok := d.index[hk]; ok {
		d.vals[i] = v
		return nil
	}
	d.index[hk] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

func (d *dict) setStr(k string, v any) {
	_ = d.set(k, v) // strings are always hashable
}

func typeName(v any) string {
	switch v := v.(type) {
	case noneType:
		return "NoneType"
	case undefined:
		return "Undefined"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case markup:
		return "Markup"
	case *list:
		if v.tuple {
			return "tuple"
		}
		return "list"
	case *dict:
		return "dict"
	case *namespace:
		return "Namespace"
	case *loopInfo:
		return "LoopContext"
	case callable:
		return "function"
	}
	return fmt.Sprintf("%T", v)
}

func truthy(v any) bool {
	switch v := v.(type) {
	case noneType, undefined:
		return false
	case bool:
		return v
	case int64:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case markup:
		return v != ""
	case *list:
		return len(v.items) > 0
	case *dict:
		return len(v.keys) > 0
	}
	return true
}

func isUndefined(v any) bool { _, ok := v.(undefined); return ok }

// asString returns the string inside a str or Markup value.
func asString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case markup:
		return string(v), true
	}
	return "", false
}

// pyStr is Python's str(v) (jinja prints undefined as "").
func pyStr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case markup:
		return string(v)
	case undefined:
		return ""
	case noneType:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return pyFloat(v)
	}
	var b strings.Builder
	pyRepr(&b, v)
	return b.String()
}

// maxValueDepth bounds recursion over nested values (repr, ==, ordering);
// Python stops such recursion with RecursionError.
const maxValueDepth = 500

// pyRepr writes Python's repr(v); containers nested deeper than
// maxValueDepth print as "...".
func pyRepr(b *strings.Builder, v any) { pyReprDepth(b, v, 0) }

func pyReprDepth(b *strings.Builder, v any, depth int) {
	if depth > maxValueDepth {
		b.WriteString("...")
		return
	}
	switch v := v.(type) {
	case string:
		pyReprString(b, v)
	case markup:
		b.WriteString("Markup(")
		pyReprString(b, string(v))
		b.WriteString(")")
	case *list:
		open, close := "[", "]"
		if v.tuple {
			open, close = "(", ")"
		}
		b.WriteString(open)
		for i, it := range v.items {
			if i > 0 {
				b.WriteString(", ")
			}
			pyReprDepth(b, it, depth+1)
		}
		if v.tuple && len(v.items) == 1 {
			b.WriteString(",")
		}
		b.WriteString(close)
	case *dict:
		b.WriteString("{")
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			pyReprDepth(b, k, depth+1)
			b.WriteString(": ")
			pyReprDepth(b, v.vals[i], depth+1)
		}
		b.WriteString("}")
	case *namespace:
		b.WriteString("<Namespace ")
		pyReprDepth(b, v.attrs, depth+1)
		b.WriteString(">")
	case callable:
		fmt.Fprintf(b, "<function %s>", v.name())
	case *loopInfo:
		fmt.Fprintf(b, "<LoopContext %d/%d>", v.index+1, v.length)
	default:
		b.WriteString(pyStr(v))
	}
}

// pyReprString writes a Python string literal the way repr() does.
func pyReprString(b *strings.Builder, s string) {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case !pyPrintable(r):
			switch {
			case r <= 0xff:
				fmt.Fprintf(b, `\x%02x`, r)
			case r <= 0xffff:
				fmt.Fprintf(b, `\u%04x`, r)
			default:
				fmt.Fprintf(b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
}

// pyPrintable approximates Python's str.isprintable for one character:
// letters, marks, numbers, punctuation, symbols and the ASCII space.
func pyPrintable(r rune) bool {
	if r == ' ' {
		return true
	}
	if r == utf8.RuneError {
		return false
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// pyFloat formats a float as Python's repr does.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX, shortest
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es = "-"
			exp = -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

func parseInt(s string) (int64, error) {
	base := 10
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			base, s = 16, s[2:]
		case 'o', 'O':
			base, s = 8, s[2:]
		case 'b', 'B':
			base, s = 2, s[2:]
		}
	}
	return strconv.ParseInt(s, base, 64)
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

func parseHex(s string) (int64, error) { return strconv.ParseInt(s, 16, 64) }

// equal is Python's ==; containers nested deeper than maxValueDepth
// compare unequal.
func equal(a, b any) bool { return equalDepth(a, b, 0) }

func equalDepth(a, b any, depth int) bool {
	if depth > maxValueDepth {
		return false
	}
	if sa, ok := asString(a); ok {
		sb, ok := asString(b)
		return ok && sa == sb
	}
	if na, ok := toNumber(a); ok {
		nb, ok := toNumber(b)
		if !ok {
			return false
		}
		ia, aInt := na.(int64)
		ib, bInt := nb.(int64)
		if aInt && bInt {
			return ia == ib
		}
		return toFloat(na) == toFloat(nb)
	}
	switch a := a.(type) {
	case noneType:
		_, ok := b.(noneType)
		return ok
	case undefined:
		_, ok := b.(undefined)
		return ok
	case *list:
		bl, ok := b.(*list)
		if !ok || a.tuple != bl.tuple || len(a.items) != len(bl.items) {
			return false
		}
		for i := range a.items {
			if !equalDepth(a.items[i], bl.items[i], depth+1) {
				return false
			}
		}
		return true
	case *dict:
		bd, ok := b.(*dict)
		if !ok || len(a.keys) != len(bd.keys) {
			return false
		}
		for i, k := range a.keys {
			v, ok := bd.get(k)
			if !ok || !equalDepth(a.vals[i], v, depth+1) {
				return false
			}
		}
		return true
	case *namespace:
		return a == b
	case *loopInfo:
		return a == b
	}
	return false
}

// toNumber returns int64 or float64 for numeric values (bools are ints).
func toNumber(v any) (any, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		return v, true
	case bool:
		if v {
			return int64(1), true
		}
		return int64(0), true
	}
	return nil, false
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// compare is Python's ordering for numbers, strings and sequences; it
// returns -1, 0, 1 or an error for unorderable types.
func compare(a, b any) (int, error) { return compareDepth(a, b, 0) }

func compareDepth(a, b any, depth int) (int, error) {
	if depth > maxValueDepth {
		return 0, errors.New("maximum recursion depth exceeded in comparison")
	}
	if na, ok := toNumber(a); ok {
		if nb, ok := toNumber(b); ok {
			ia, aInt := na.(int64)
			ib, bInt := nb.(int64)
			if aInt && bInt {
				return cmp3(ia < ib, ia > ib), nil
			}
			fa, fb := toFloat(na), toFloat(nb)
			return cmp3(fa < fb, fa > fb), nil
		}
	}
	if sa, ok := asString(a); ok {
		if sb, ok := asString(b); ok {
			return strings.Compare(sa, sb), nil
		}
	}
	if la, ok := a.(*list); ok {
		if lb, ok := b.(*list); ok && la.tuple == lb.tuple {
			for i := 0; i < len(la.items) && i < len(lb.items); i++ {
				if equal(la.items[i], lb.items[i]) {
					continue
				}
				return compareDepth(la.items[i], lb.items[i], depth+1)
			}
			return cmp3(len(la.items) < len(lb.items), len(la.items) > len(lb.items)), nil
		}
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// iterate returns the items a for loop sees: list items, dict keys, string
// characters; undefined iterates as empty.
func iterate(v any) ([]any, error) {
	switch v := v.(type) {
	case *list:
		return v.items, nil
	case *dict:
		return v.keys, nil
	case string:
		return stringChars(v), nil
	case markup:
		return stringChars(string(v)), nil
	case undefined:
		return nil, nil
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

func stringChars(s string) []any {
	out := make([]any, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// length is Python's len().
func length(v any) (int, error) {
	switch v := v.(type) {
	case string:
		return utf8.RuneCountInString(v), nil
	case markup:
		return utf8.RuneCountInString(string(v)), nil
	case *list:
		return len(v.items), nil
	case *dict:
		return len(v.keys), nil
	case undefined:
		return 0, nil
	}
	return 0, fmt.Errorf("object of type '%s' has no len()", typeName(v))
}
