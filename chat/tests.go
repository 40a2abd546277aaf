package chat

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// jinja2's builtin tests ("x is defined") and the globals Hugging Face's
// environment provides.

func (r *runner) runTest(name string, v any, args []any, kw *dict) (bool, error) {
	a := argList{fn: name, args: args, kw: kw}
	arg0 := func() (any, error) {
		x := a.arg(0, "", nil)
		if x == nil {
			return nil, fmt.Errorf("test '%s' needs an argument", name)
		}
		return x, nil
	}
	switch name {
	case "defined":
		return !isUndefined(v), nil
	case "undefined":
		return isUndefined(v), nil
	case "none":
		_, ok := v.(noneType)
		return ok, nil
	case "boolean":
		_, ok := v.(bool)
		return ok, nil
	case "true":
		b, ok := v.(bool)
		return ok && b, nil
	case "false":
		b, ok := v.(bool)
		return ok && !b, nil
	case "integer":
		_, ok := v.(int64)
		return ok, nil
	case "float":
		_, ok := v.(float64)
		return ok, nil
	case "number":
		_, ok := toNumber(v)
		return ok, nil
	case "string":
		_, ok := asString(v)
		return ok, nil
	case "mapping":
		_, ok := v.(*dict)
		return ok, nil
	case "iterable":
		switch v.(type) {
		case string, markup, *list, *dict, undefined:
			return true, nil
		}
		return false, nil
	case "sequence":
		switch v.(type) {
		case string, markup, *list, *dict:
			return true, nil
		}
		return false, nil
	case "callable":
		_, ok := v.(callable)
		return ok, nil
	case "lower", "upper":
		s, ok := asString(v)
		if !ok {
			s = pyStr(v)
		}
		return strPredicate(s, "is"+name), nil
	case "odd", "even":
		n, ok := v.(int64)
		if !ok {
			return false, fmt.Errorf("test '%s' needs an integer, not %s", name, typeName(v))
		}
		return (n%2 != 0) == (name == "odd"), nil
	case "divisibleby":
		x, err := arg0()
		if err != nil {
			return false, err
		}
		n, ok1 := v.(int64)
		d, ok2 := x.(int64)
		if !ok1 || !ok2 || d == 0 {
			return false, errors.New("divisibleby needs non-zero integers")
		}
		return n%d == 0, nil
	case "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=":
		x, err := arg0()
		if err != nil {
			return false, err
		}
		op := map[string]string{"eq": "==", "equalto": "==", "ne": "!=", "lt": "<", "lessthan": "<", "le": "<=",
			"gt": ">", "greaterthan": ">", "ge": ">="}[name]
		if op == "" {
			op = name
		}
		return compareOp(op, v, x)
	case "in":
		x, err := arg0()
		if err != nil {
			return false, err
		}
		return contains(x, v)
	case "sameas":
		x, err := arg0()
		if err != nil {
			return false, err
		}
		return sameAs(v, x), nil
	case "escaped":
		_, ok := v.(markup)
		return ok, nil
	case "filter":
		s, _ := asString(v)
		_, ok := filters[s]
		return ok, nil
	case "test":
		s, _ := asString(v)
		_, err := r.runTest(s, pyNone, []any{pyNone}, nil)
		return err == nil || !strings.HasPrefix(err.Error(), "no test named"), nil
	}
	return false, fmt.Errorf("no test named '%s'", name)
}

// sameAs approximates Python's "is": identity for containers, value
// identity for None, bools and (small, interned) ints and strings.
func sameAs(a, b any) bool {
	switch a := a.(type) {
	case noneType, bool, int64, string:
		return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b) && a == b
	case *list:
		return a == b
	case *dict:
		return a == b
	case *namespace:
		return a == b
	}
	return false
}

// ---- globals ----

func (r *runner) installGlobals(sc *scope) {
	sc.set("raise_exception", &builtin{n: "raise_exception", f: func(_ *runner, args []any, _ *dict) (any, error) {
		msg := ""
		if len(args) > 0 {
			msg = pyStr(args[0])
		}
		return nil, &RaiseError{Message: msg}
	}})
	sc.set("strftime_now", &builtin{n: "strftime_now", f: func(r *runner, args []any, _ *dict) (any, error) {
		if len(args) != 1 {
			return nil, errors.New("strftime_now takes one format argument")
		}
		f, ok := asString(args[0])
		if !ok {
			return nil, errors.New("strftime_now: format must be a string")
		}
		return strftime(r.now(), f), nil
	}})
	sc.set("range", &builtin{n: "range", f: func(r *runner, args []any, _ *dict) (any, error) {
		var start, stop, step int64 = 0, 0, 1
		ints := make([]int64, len(args))
		for i, a := range args {
			n, ok := indexOf(a)
			if !ok {
				return nil, fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(a))
			}
			ints[i] = n
		}
		switch len(ints) {
		case 1:
			stop = ints[0]
		case 2:
			start, stop = ints[0], ints[1]
		case 3:
			start, stop, step = ints[0], ints[1], ints[2]
		default:
			return nil, errors.New("range expected 1 to 3 arguments")
		}
		if step == 0 {
			return nil, errors.New("range() arg 3 must not be zero")
		}
		n := (stop - start + step - sign(step)) / step
		if n < 0 {
			n = 0
		}
		// jinja2's sandbox caps range at MAX_RANGE = 100000 items.
		if n > maxRange {
			return nil, fmt.Errorf("%w: range too big (%d items, at most %d)", ErrLimit, n, maxRange)
		}
		if err := r.stepN(int(n), 0); err != nil {
			return nil, err
		}
		items := make([]any, n)
		for i := range items {
			items[i] = start + int64(i)*step
		}
		return newList(items), nil
	}})
	sc.set("namespace", &builtin{n: "namespace", f: func(_ *runner, args []any, kw *dict) (any, error) {
		ns := &namespace{attrs: newDict()}
		for _, a := range args {
			d, ok := a.(*dict)
			if !ok {
				return nil, errors.New("namespace() positional arguments must be dicts")
			}
			for i, k := range d.keys {
				_ = ns.attrs.set(k, d.vals[i])
			}
		}
		if kw != nil {
			for i, k := range kw.keys {
				_ = ns.attrs.set(k, kw.vals[i])
			}
		}
		return ns, nil
	}})
	sc.set("dict", &builtin{n: "dict", f: func(_ *runner, args []any, kw *dict) (any, error) {
		d := newDict()
		for _, a := range args {
			src, ok := a.(*dict)
			if !ok {
				return nil, errors.New("dict() positional argument must be a dict")
			}
			for i, k := range src.keys {
				_ = d.set(k, src.vals[i])
			}
		}
		if kw != nil {
			for i, k := range kw.keys {
				_ = d.set(k, kw.vals[i])
			}
		}
		return d, nil
	}})
	sc.set("joiner", &builtin{n: "joiner", f: func(_ *runner, args []any, _ *dict) (any, error) {
		sep := ", "
		if len(args) > 0 {
			sep = pyStr(args[0])
		}
		used := false
		return &builtin{n: "joiner", f: func(*runner, []any, *dict) (any, error) {
			if !used {
				used = true
				return "", nil
			}
			return sep, nil
		}}, nil
	}})
}

// maxRange is jinja2's sandbox limit on range() (MAX_RANGE).
const maxRange = 100000

func sign(n int64) int64 {
	if n < 0 {
		return -1
	}
	return 1
}

// strftime formats t with Python's (C locale) strftime directives.
func strftime(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		noPad := false
		if f[i] == '-' && i+1 < len(f) { // glibc extension: %-d
			noPad = true
			i++
		}
		num := func(v, width int) {
			if noPad {
				fmt.Fprintf(&b, "%d", v)
			} else {
				fmt.Fprintf(&b, "%0*d", width, v)
			}
		}
		switch f[i] {
		case 'a':
			b.WriteString(t.Weekday().String()[:3])
		case 'A':
			b.WriteString(t.Weekday().String())
		case 'b', 'h':
			b.WriteString(t.Month().String()[:3])
		case 'B':
			b.WriteString(t.Month().String())
		case 'd':
			num(t.Day(), 2)
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'm':
			num(int(t.Month()), 2)
		case 'y':
			num(t.Year()%100, 2)
		case 'Y':
			fmt.Fprintf(&b, "%d", t.Year())
		case 'H':
			num(t.Hour(), 2)
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			num(h, 2)
		case 'M':
			num(t.Minute(), 2)
		case 'S':
			num(t.Second(), 2)
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'p':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'j':
			num(t.YearDay(), 3)
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			fmt.Fprintf(&b, "%d", wd)
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		case 'Z':
			name, _ := t.Zone()
			b.WriteString(name)
		case 'z':
			_, off := t.Zone()
			s := byte('+')
			if off < 0 {
				s, off = '-', -off
			}
			fmt.Fprintf(&b, "%c%02d%02d", s, off/3600, off/60%60)
		case 'F':
			fmt.Fprintf(&b, "%d-%02d-%02d", t.Year(), int(t.Month()), t.Day())
		case 'T':
			fmt.Fprintf(&b, "%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}
