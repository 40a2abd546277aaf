package chat

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Attribute and item access follow jinja2's Environment.getattr/getitem:
// "a.b" tries Python's getattr first, then a["b"]; "a[k]" tries the item
// first, then the attribute named k. A miss gives undefined, except that any
// access on undefined itself is an error (jinja2's UndefinedError).
// As in jinja2's ImmutableSandboxedEnvironment, methods that would modify a
// list or dict (append, update, pop, ...) are not available.

func getAttr(obj any, name string, line int) (any, error) {
	if u, ok := obj.(undefined); ok {
		return nil, rtErr(line, "%s has no attribute '%s'", undefDesc(u), name)
	}
	if m, ok := method(obj, name); ok {
		return m, nil
	}
	switch o := obj.(type) {
	case *dict:
		if v, ok := o.get(name); ok {
			return v, nil
		}
		return undefined{hint: fmt.Sprintf("'dict object' has no attribute '%s'", name)}, nil
	case *namespace:
		if v, ok := o.attrs.get(name); ok {
			return v, nil
		}
	case *loopInfo:
		if v, ok := o.attr(name); ok {
			return v, nil
		}
	}
	return undefined{hint: fmt.Sprintf("'%s object' has no attribute '%s'", typeName(obj), name)}, nil
}

func undefDesc(u undefined) string {
	if strings.HasSuffix(u.hint, "is undefined") {
		return strings.TrimSuffix(u.hint, " is undefined")
	}
	return "'Undefined'"
}

func getItem(obj any, key any, line int) (any, error) {
	if u, ok := obj.(undefined); ok {
		if ks, ok := asString(key); ok {
			return nil, rtErr(line, "%s has no attribute '%s'", undefDesc(u), ks)
		}
		return nil, rtErr(line, "%s", undefMsg(u))
	}
	switch o := obj.(type) {
	case *dict:
		if v, ok := o.get(key); ok {
			return v, nil
		}
	case *list:
		if i, ok := indexOf(key); ok {
			if i < 0 {
				i += int64(len(o.items))
			}
			if i >= 0 && i < int64(len(o.items)) {
				return o.items[i], nil
			}
			return undefined{hint: fmt.Sprintf("%s object has no element %v", typeName(o), key)}, nil
		}
	case string, markup:
		if i, ok := indexOf(key); ok {
			s := pyStr(o)
			n := int64(utf8.RuneCountInString(s))
			if i < 0 {
				i += n
			}
			if i >= 0 && i < n {
				return string([]rune(s)[i]), nil
			}
			return undefined{hint: fmt.Sprintf("str object has no element %v", key)}, nil
		}
	case *namespace:
		if ks, ok := asString(key); ok {
			if v, ok := o.attrs.get(ks); ok {
				return v, nil
			}
		}
	}
	if ks, ok := asString(key); ok {
		return getAttr(obj, ks, line)
	}
	return undefined{hint: fmt.Sprintf("%s object has no element %s", typeName(obj), pyStr(key))}, nil
}

func indexOf(k any) (int64, bool) {
	switch k := k.(type) {
	case int64:
		return k, true
	case bool:
		if k {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// ---- methods ----

type argList struct {
	fn   string
	args []any
	kw   *dict
}

// arg returns positional argument i or keyword name, or def.
func (a argList) arg(i int, name string, def any) any {
	if i >= 0 && i < len(a.args) {
		return a.args[i]
	}
	if a.kw != nil && name != "" {
		if v, ok := a.kw.get(name); ok {
			return v
		}
	}
	return def
}

func (a argList) str(i int, name string, def string) (string, error) {
	v := a.arg(i, name, nil)
	if v == nil {
		return def, nil
	}
	s, ok := asString(v)
	if !ok {
		return "", fmt.Errorf("%s: argument must be str, not %s", a.fn, typeName(v))
	}
	return s, nil
}

func (a argList) int(i int, name string, def int64) (int64, error) {
	v := a.arg(i, name, nil)
	if v == nil {
		return def, nil
	}
	if _, ok := v.(noneType); ok {
		return def, nil
	}
	n, ok := indexOf(v)
	if !ok {
		return 0, fmt.Errorf("%s: '%s' object cannot be interpreted as an integer", a.fn, typeName(v))
	}
	return n, nil
}

func bound(name string, f func(a argList) (any, error)) *builtin {
	return &builtin{n: name, f: func(_ *runner, args []any, kw *dict) (any, error) {
		return f(argList{fn: name, args: args, kw: kw})
	}}
}

func method(obj any, name string) (any, bool) {
	switch o := obj.(type) {
	case string:
		return strMethod(o, name)
	case markup:
		return strMethod(string(o), name)
	case *dict:
		return dictMethod(o, name)
	case *list:
		return listMethod(o, name)
	}
	return nil, false
}

func dictMethod(d *dict, name string) (any, bool) {
	switch name {
	case "items":
		return bound("items", func(argList) (any, error) { return dictItems(d), nil }), true
	case "keys":
		return bound("keys", func(argList) (any, error) { return newList(append([]any(nil), d.keys...)), nil }), true
	case "values":
		return bound("values", func(argList) (any, error) { return newList(append([]any(nil), d.vals...)), nil }), true
	case "get":
		return bound("get", func(a argList) (any, error) {
			if len(a.args) == 0 {
				return nil, errors.New("get expected at least 1 argument, got 0")
			}
			if v, ok := d.get(a.args[0]); ok {
				return v, nil
			}
			return a.arg(1, "", pyNone), nil
		}), true
	case "copy":
		return bound("copy", func(argList) (any, error) {
			c := newDict()
			for i, k := range d.keys {
				_ = c.set(k, d.vals[i])
			}
			return c, nil
		}), true
	}
	return nil, false
}

func dictItems(d *dict) *list {
	items := make([]any, len(d.keys))
	for i, k := range d.keys {
		items[i] = newTuple([]any{k, d.vals[i]})
	}
	return newList(items)
}

func listMethod(l *list, name string) (any, bool) {
	switch name {
	case "index":
		return bound("index", func(a argList) (any, error) {
			for i, v := range l.items {
				if equal(v, a.arg(0, "", pyNone)) {
					return int64(i), nil
				}
			}
			return nil, fmt.Errorf("%s is not in list", pyStr(a.arg(0, "", pyNone)))
		}), true
	case "count":
		return bound("count", func(a argList) (any, error) {
			n := int64(0)
			for _, v := range l.items {
				if equal(v, a.arg(0, "", pyNone)) {
					n++
				}
			}
			return n, nil
		}), true
	case "copy":
		return bound("copy", func(argList) (any, error) { return newList(append([]any(nil), l.items...)), nil }), true
	}
	return nil, false
}

// maxPad bounds the widths of padding builtins (zfill, center, indent),
// which would otherwise allocate whatever a template asks for.
const maxPad = DefaultMaxOutput
