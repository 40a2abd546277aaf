package chat

// Filters over sequences: select/reject, map, sort, unique, sum, min/max,
// batch, join and dictsort.

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

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
