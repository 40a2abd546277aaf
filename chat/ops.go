package chat

// Python operators on template values: arithmetic, concatenation,
// comparison chains, membership, "%" formatting and slicing.

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

func (r *runner) evalBin(x *binExpr, sc *scope) (any, error) {
	l, err := r.eval(x.l, sc)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case "and":
		if !truthy(l) {
			return l, nil
		}
		return r.eval(x.r, sc)
	case "or":
		if truthy(l) {
			return l, nil
		}
		return r.eval(x.r, sc)
	}
	rv, err := r.eval(x.r, sc)
	if err != nil {
		return nil, err
	}
	v, err := r.binOp(x.op, l, rv)
	if err != nil {
		return nil, wrapLine(err, x.line)
	}
	return v, nil
}

func (r *runner) binOp(op string, l, rv any) (any, error) {
	if op == "~" {
		ls, rs := pyStr(l), pyStr(rv)
		if len(ls)+len(rs) > r.maxOut {
			return nil, fmt.Errorf("%w: string longer than %d bytes", ErrLimit, r.maxOut)
		}
		if err := r.stepN((len(ls)+len(rs))/bytesPerStep, 0); err != nil {
			return nil, err
		}
		return ls + rs, nil
	}
	if ul, ok := l.(undefined); ok {
		return nil, errors.New(undefMsg(ul))
	}
	if ur, ok := rv.(undefined); ok {
		return nil, errors.New(undefMsg(ur))
	}
	// strings
	ls, lStr := asString(l)
	rs, rStr := asString(rv)
	_, lMark := l.(markup)
	_, rMark := rv.(markup)
	switch {
	case op == "+" && lStr && rStr:
		if lMark != rMark { // Markup escapes the plain operand
			if lMark {
				rs = htmlEscape(rs)
			} else {
				ls = htmlEscape(ls)
			}
		}
		if len(ls)+len(rs) > r.maxOut {
			return nil, fmt.Errorf("%w: string longer than %d bytes", ErrLimit, r.maxOut)
		}
		if err := r.stepN((len(ls)+len(rs))/bytesPerStep, 0); err != nil {
			return nil, err
		}
		if lMark || rMark {
			return markup(ls + rs), nil
		}
		return ls + rs, nil
	case op == "*" && (lStr || rStr):
		s, n := ls, rv
		if !lStr {
			s, n = rs, l
		}
		k, ok := n.(int64)
		if !ok {
			if b, isB := n.(bool); isB {
				k, ok = map[bool]int64{true: 1, false: 0}[b], true
			}
		}
		if !ok {
			return nil, fmt.Errorf("can't multiply sequence by non-int of type '%s'", typeName(n))
		}
		if k <= 0 {
			return "", nil
		}
		if int64(len(s))*k > int64(r.maxOut) {
			return nil, fmt.Errorf("%w: string longer than %d bytes", ErrLimit, r.maxOut)
		}
		if err := r.stepN(len(s)*int(k)/bytesPerStep, 0); err != nil {
			return nil, err
		}
		return strings.Repeat(s, int(k)), nil
	case op == "%" && lStr:
		return percentFormat(ls, rv)
	}
	// lists
	ll, lList := l.(*list)
	rl, rList := rv.(*list)
	if op == "+" && lList && rList && ll.tuple == rl.tuple {
		if err := r.stepN(len(ll.items)+len(rl.items), 0); err != nil {
			return nil, err
		}
		items := make([]any, 0, len(ll.items)+len(rl.items))
		items = append(append(items, ll.items...), rl.items...)
		return &list{items: items, tuple: ll.tuple}, nil
	}
	if op == "*" && (lList || rList) {
		lst, n := ll, rv
		if !lList {
			lst, n = rl, l
		}
		k, ok := n.(int64)
		if !ok {
			return nil, fmt.Errorf("can't multiply sequence by non-int of type '%s'", typeName(n))
		}
		if k > 0 && int64(len(lst.items)) > int64(r.maxSteps)/k {
			return nil, fmt.Errorf("%w: list too long", ErrLimit)
		}
		if err := r.stepN(int(k)*len(lst.items), 0); err != nil {
			return nil, err
		}
		var items []any
		for i := int64(0); i < k; i++ {
			items = append(items, lst.items...)
		}
		return &list{items: items, tuple: lst.tuple}, nil
	}
	// numbers
	ln, lok := toNumber(l)
	rn, rok := toNumber(rv)
	if !lok || !rok {
		return nil, unsupported(op, l, rv)
	}
	li, lInt := ln.(int64)
	ri, rInt := rn.(int64)
	if lInt && rInt {
		switch op {
		case "+":
			s := li + ri
			if (s > li) != (ri > 0) {
				return nil, errIntOverflow
			}
			return s, nil
		case "-":
			s := li - ri
			if (s < li) != (ri > 0) {
				return nil, errIntOverflow
			}
			return s, nil
		case "*":
			p, ok := mulOK(li, ri)
			if !ok {
				return nil, errIntOverflow
			}
			return p, nil
		case "/":
			if ri == 0 {
				return nil, errors.New("division by zero")
			}
			return float64(li) / float64(ri), nil
		case "//":
			if ri == 0 {
				return nil, errors.New("integer division or modulo by zero")
			}
			q := li / ri
			if (li%ri != 0) && ((li < 0) != (ri < 0)) {
				q--
			}
			return q, nil
		case "%":
			if ri == 0 {
				return nil, errors.New("integer division or modulo by zero")
			}
			m := li % ri
			if m != 0 && ((m < 0) != (ri < 0)) {
				m += ri
			}
			return m, nil
		case "**":
			if ri < 0 {
				return math.Pow(float64(li), float64(ri)), nil
			}
			return intPow(li, ri)
		}
	}
	a, b := toFloat(ln), toFloat(rn)
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return nil, errors.New("float division by zero")
		}
		return a / b, nil
	case "//":
		if b == 0 {
			return nil, errors.New("float floor division by zero")
		}
		return math.Floor(a / b), nil
	case "%":
		if b == 0 {
			return nil, errors.New("float modulo")
		}
		m := math.Mod(a, b)
		if m != 0 && ((m < 0) != (b < 0)) {
			m += b
		}
		return m, nil
	case "**":
		return math.Pow(a, b), nil
	}
	return nil, unsupported(op, l, rv)
}

// intPow is base**exp for exp >= 0 by squaring, failing on int64 overflow
// (Python's ints do not overflow; templates never need such numbers).
func intPow(base, exp int64) (any, error) {
	res := int64(1)
	for exp > 0 {
		if exp&1 == 1 {
			p, ok := mulOK(res, base)
			if !ok {
				return nil, errIntOverflow
			}
			res = p
		}
		exp >>= 1
		if exp > 0 {
			sq, ok := mulOK(base, base)
			if !ok {
				return nil, errIntOverflow
			}
			base = sq
		}
	}
	return res, nil
}

func mulOK(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return p, true
}

func absInt(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func unsupported(op string, l, r any) error {
	if op == "+" {
		if _, ok := asString(l); ok {
			return fmt.Errorf("can only concatenate str (not \"%s\") to str", typeName(r))
		}
		if ll, ok := l.(*list); ok && !ll.tuple {
			return fmt.Errorf("can only concatenate list (not \"%s\") to list", typeName(r))
		}
	}
	return fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), typeName(r))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// percentFormat is Python's "fmt % args" for %s, %d, %r, %f and %%.
func percentFormat(f string, args any) (any, error) {
	var vals []any
	if l, ok := args.(*list); ok && l.tuple {
		vals = l.items
	} else {
		vals = []any{args}
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i >= len(f) {
			return nil, errors.New("incomplete format")
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		if n >= len(vals) {
			return nil, errors.New("not enough arguments for format string")
		}
		v := vals[n]
		n++
		switch f[i] {
		case 's':
			b.WriteString(pyStr(v))
		case 'r':
			pyRepr(&b, v)
		case 'd', 'i':
			num, ok := toNumber(v)
			if !ok {
				return nil, fmt.Errorf("%%d format: a real number is required, not %s", typeName(v))
			}
			fmt.Fprintf(&b, "%d", int64(toFloat(num)))
		case 'f':
			num, ok := toNumber(v)
			if !ok {
				return nil, fmt.Errorf("must be real number, not %s", typeName(v))
			}
			fmt.Fprintf(&b, "%f", toFloat(num))
		default:
			return nil, fmt.Errorf("unsupported format character '%c'", f[i])
		}
	}
	if n < len(vals) {
		return nil, errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

func (r *runner) evalSlice(x *sliceExpr, sc *scope) (any, error) {
	obj, err := r.eval(x.obj, sc)
	if err != nil {
		return nil, err
	}
	var bounds [3]*int64
	for i, e := range []expr{x.start, x.stop, x.step} {
		if e == nil {
			continue
		}
		v, err := r.eval(e, sc)
		if err != nil {
			return nil, err
		}
		if _, ok := v.(noneType); ok {
			continue
		}
		n, ok := v.(int64)
		if !ok {
			return nil, rtErr(x.line, "slice indices must be integers or None")
		}
		bounds[i] = &n
	}
	var items []any
	str := false
	switch o := obj.(type) {
	case *list:
		items = o.items
	case string, markup:
		items = stringChars(pyStr(o))
		str = true
	case undefined:
		return nil, rtErr(x.line, "%s", undefMsg(o))
	default:
		return nil, rtErr(x.line, "'%s' object is not subscriptable", typeName(obj))
	}
	step := int64(1)
	if bounds[2] != nil {
		step = *bounds[2]
		if step == 0 {
			return nil, rtErr(x.line, "slice step cannot be zero")
		}
	}
	n := int64(len(items))
	norm := func(p *int64, def int64) int64 {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
			if v < 0 {
				if step < 0 {
					return -1
				}
				return 0
			}
		}
		if v >= n {
			if step < 0 {
				return n - 1
			}
			return n
		}
		return v
	}
	var res []any
	if step > 0 {
		for i := norm(bounds[0], 0); i < norm(bounds[1], n); i += step {
			res = append(res, items[i])
		}
	} else {
		for i := norm(bounds[0], n-1); i > norm(bounds[1], -1); i += step {
			res = append(res, items[i])
		}
	}
	if str {
		var b strings.Builder
		for _, c := range res {
			b.WriteString(c.(string))
		}
		return b.String(), nil
	}
	if l, ok := obj.(*list); ok && l.tuple {
		return newTuple(res), nil
	}
	return newList(res), nil
}

// errIntOverflow: template ints are int64, where Python's are unbounded.
var errIntOverflow = fmt.Errorf("%w: integer overflow (template integers are 64-bit)", ErrLimit)
