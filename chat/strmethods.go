package chat

// Python's str methods that templates call (.strip(), .split(),
// .startswith(), ...), with Python's whitespace and splitting rules.

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyStrip is Python's str.strip/lstrip/rstrip with optional characters.
func pyStrip(s string, chars any, left, right bool) (string, error) {
	pred := isPySpace
	if chars != nil {
		if _, isNone := chars.(noneType); !isNone {
			cs, ok := asString(chars)
			if !ok {
				return "", fmt.Errorf("strip arg must be None or str")
			}
			pred = func(r rune) bool { return strings.ContainsRune(cs, r) }
		}
	}
	if left {
		s = strings.TrimLeftFunc(s, pred)
	}
	if right {
		s = strings.TrimRightFunc(s, pred)
	}
	return s, nil
}

// pySplit is Python's str.split(sep=None, maxsplit=-1).
func pySplit(s string, sep any, maxsplit int64) ([]any, error) {
	var parts []string
	if sep == nil || sep == any(pyNone) {
		fields := strings.FieldsFunc(s, isPySpace)
		if maxsplit >= 0 && int64(len(fields)) > maxsplit+1 {
			// re-split keeping the remainder intact
			rest := strings.TrimLeftFunc(s, isPySpace)
			parts = nil
			for i := int64(0); i < maxsplit; i++ {
				j := strings.IndexFunc(rest, isPySpace)
				parts = append(parts, rest[:j])
				rest = strings.TrimLeftFunc(rest[j:], isPySpace)
			}
			parts = append(parts, rest)
		} else {
			parts = fields
		}
	} else {
		ss, ok := asString(sep)
		if !ok {
			return nil, fmt.Errorf("must be str or None, not %s", typeName(sep))
		}
		if ss == "" {
			return nil, errors.New("empty separator")
		}
		parts = strings.SplitN(s, ss, int(max(maxsplit+1, -1)))
		if maxsplit < 0 {
			parts = strings.Split(s, ss)
		}
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func prefixArg(v any, f func(string) bool) (bool, error) {
	if l, ok := v.(*list); ok && l.tuple {
		for _, it := range l.items {
			s, ok := asString(it)
			if !ok {
				return false, fmt.Errorf("tuple for startswith must only contain str, not %s", typeName(it))
			}
			if f(s) {
				return true, nil
			}
		}
		return false, nil
	}
	s, ok := asString(v)
	if !ok {
		return false, fmt.Errorf("startswith first arg must be str or a tuple of str, not %s", typeName(v))
	}
	return f(s), nil
}

func strMethod(s, name string) (any, bool) {
	var f func(a argList) (any, error)
	switch name {
	case "strip", "lstrip", "rstrip":
		f = func(a argList) (any, error) {
			return pyStrip(s, a.arg(0, "", nil), name != "rstrip", name != "lstrip")
		}
	case "split", "rsplit":
		f = func(a argList) (any, error) {
			n, err := a.int(1, "maxsplit", -1)
			if err != nil {
				return nil, err
			}
			if name == "rsplit" && n >= 0 {
				return pyRSplit(s, a.arg(0, "sep", nil), n)
			}
			parts, err := pySplit(s, a.arg(0, "sep", nil), n)
			return newList(parts), err
		}
	case "splitlines":
		f = func(argList) (any, error) {
			var out []any
			for _, l := range strings.SplitAfter(s, "\n") {
				if l == "" {
					continue
				}
				out = append(out, strings.TrimRight(strings.TrimSuffix(l, "\n"), "\r"))
			}
			return newList(out), nil
		}
	case "startswith", "endswith":
		f = func(a argList) (any, error) {
			check := func(p string) bool { return strings.HasPrefix(s, p) }
			if name == "endswith" {
				check = func(p string) bool { return strings.HasSuffix(s, p) }
			}
			return prefixArg(a.arg(0, "", ""), check)
		}
	case "upper":
		f = func(argList) (any, error) { return strings.ToUpper(s), nil }
	case "lower":
		f = func(argList) (any, error) { return strings.ToLower(s), nil }
	case "title":
		f = func(argList) (any, error) { return pyTitle(s), nil }
	case "capitalize":
		f = func(argList) (any, error) { return pyCapitalize(s), nil }
	case "replace":
		f = func(a argList) (any, error) {
			old, err := a.str(0, "", "")
			if err != nil {
				return nil, err
			}
			nw, err := a.str(1, "", "")
			if err != nil {
				return nil, err
			}
			n, err := a.int(2, "count", -1)
			if err != nil {
				return nil, err
			}
			return strings.Replace(s, old, nw, int(n)), nil
		}
	case "find", "rfind", "index", "rindex", "count":
		f = func(a argList) (any, error) {
			sub, err := a.str(0, "", "")
			if err != nil {
				return nil, err
			}
			var i int
			switch name {
			case "count":
				if sub == "" {
					return int64(utf8.RuneCountInString(s) + 1), nil
				}
				return int64(strings.Count(s, sub)), nil
			case "find", "index":
				i = strings.Index(s, sub)
			default:
				i = strings.LastIndex(s, sub)
			}
			if i < 0 {
				if name == "index" || name == "rindex" {
					return nil, errors.New("substring not found")
				}
				return int64(-1), nil
			}
			return int64(utf8.RuneCountInString(s[:i])), nil
		}
	case "join":
		f = func(a argList) (any, error) {
			items, err := iterate(a.arg(0, "", newList(nil)))
			if err != nil {
				return nil, err
			}
			parts := make([]string, len(items))
			for i, it := range items {
				str, ok := asString(it)
				if !ok {
					return nil, fmt.Errorf("sequence item %d: expected str instance, %s found", i, typeName(it))
				}
				parts[i] = str
			}
			return strings.Join(parts, s), nil
		}
	case "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace", "isupper", "islower":
		f = func(argList) (any, error) { return strPredicate(s, name), nil }
	case "zfill":
		f = func(a argList) (any, error) {
			w, err := a.int(0, "", 0)
			if err != nil {
				return nil, err
			}
			n := int64(utf8.RuneCountInString(s))
			if n >= w {
				return s, nil
			}
			if w > maxPad {
				return nil, fmt.Errorf("%w: zfill width %d over %d", ErrLimit, w, maxPad)
			}
			sign := ""
			body := s
			if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
				sign, body = s[:1], s[1:]
			}
			return sign + strings.Repeat("0", int(w-n)) + body, nil
		}
	case "format":
		f = func(a argList) (any, error) { return strFormat(s, a) }
	default:
		return nil, false
	}
	return bound(name, f), true
}

func pyRSplit(s string, sep any, maxsplit int64) (any, error) {
	parts, err := pySplit(s, sep, -1)
	if err != nil || int64(len(parts)) <= maxsplit+1 {
		return newList(parts), err
	}
	if sep == nil || sep == any(pyNone) {
		// whitespace rsplit: keep the left remainder unsplit
		rest := strings.TrimRightFunc(s, isPySpace)
		var tail []any
		for i := int64(0); i < maxsplit; i++ {
			j := strings.LastIndexFunc(rest, isPySpace)
			tail = append([]any{rest[j+1:]}, tail...)
			rest = strings.TrimRightFunc(rest[:j+1], isPySpace)
		}
		return newList(append([]any{rest}, tail...)), nil
	}
	ss, _ := asString(sep)
	k := int64(len(parts)) - maxsplit
	head := make([]string, k)
	for i := range head {
		head[i] = parts[i].(string)
	}
	return newList(append([]any{strings.Join(head, ss)}, parts[k:]...)), nil
}

func strPredicate(s, name string) bool {
	if s == "" {
		return false
	}
	cased := false
	for _, r := range s {
		switch name {
		case "isdigit", "isnumeric", "isdecimal":
			if !unicode.IsDigit(r) {
				return false
			}
		case "isalpha":
			if !unicode.IsLetter(r) {
				return false
			}
		case "isalnum":
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		case "isspace":
			if !isPySpace(r) {
				return false
			}
		case "isupper":
			if unicode.IsLower(r) {
				return false
			}
			cased = cased || unicode.IsUpper(r)
		case "islower":
			if unicode.IsUpper(r) {
				return false
			}
			cased = cased || unicode.IsLower(r)
		}
	}
	if name == "isupper" || name == "islower" {
		return cased
	}
	return true
}

// pyTitle is Python's str.title: a letter after a non-letter is upper case.
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prevCased {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToTitle(r))
			}
			prevCased = true
		} else {
			b.WriteRune(r)
			prevCased = false
		}
	}
	return b.String()
}

func pyCapitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToTitle(r)) + strings.ToLower(s[n:])
}

// strFormat is a small str.format: "{}", "{0}", "{name}" with str() of the
// argument (no format specs).
func strFormat(s string, a argList) (any, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '}' && i+1 < len(s) && s[i+1] == '}' {
			b.WriteByte('}')
			i++
			continue
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, errors.New("single '{' encountered in format string")
		}
		field := s[i+1 : i+j]
		i += j
		var v any
		switch {
		case field == "":
			v = a.arg(auto, "", nil)
			auto++
		case field[0] >= '0' && field[0] <= '9':
			k, err := parseInt(field)
			if err != nil {
				return nil, fmt.Errorf("unsupported format field %q", field)
			}
			v = a.arg(int(k), "", nil)
		default:
			v = a.arg(-1, field, nil)
		}
		if v == nil {
			return nil, fmt.Errorf("format: missing argument for field %q", field)
		}
		b.WriteString(pyStr(v))
	}
	return b.String(), nil
}
