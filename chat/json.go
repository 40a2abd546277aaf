package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// JSON in and out, with Python's json module semantics: objects keep their
// key order, integers stay integers, floats print as Python's repr.

type jsonOpts struct {
	ascii    bool
	pretty   bool
	indent   string
	itemSep  string
	keySep   string
	sortKeys bool
}

// maxJSONDepth bounds nesting when encoding (Python raises RecursionError).
const maxJSONDepth = 500

func writeJSON(b *strings.Builder, v any, o jsonOpts, level int) error {
	if level > maxJSONDepth {
		return errors.New("tojson: nesting too deep")
	}
	newline := func(l int) {
		if o.pretty {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(o.indent, l))
		}
	}
	switch v := v.(type) {
	case noneType:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		switch {
		case math.IsNaN(v):
			b.WriteString("NaN")
		case math.IsInf(v, 1):
			b.WriteString("Infinity")
		case math.IsInf(v, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloat(v))
		}
	case string:
		writeJSONString(b, v, o.ascii)
	case markup:
		writeJSONString(b, string(v), o.ascii)
	case *list:
		if len(v.items) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			newline(level + 1)
			if err := writeJSON(b, it, o, level+1); err != nil {
				return err
			}
		}
		newline(level)
		b.WriteByte(']')
	case *dict:
		if len(v.keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		order := make([]int, len(v.keys))
		keys := make([]string, len(v.keys))
		for i, k := range v.keys {
			order[i] = i
			switch k := k.(type) {
			case string:
				keys[i] = k
			case markup:
				keys[i] = string(k)
			case int64, float64, bool, noneType:
				var kb strings.Builder
				if err := writeJSON(&kb, k, o, level+1); err != nil {
					return err
				}
				keys[i] = kb.String()
			default:
				return fmt.Errorf("keys must be str, int, float, bool or None, not %s", typeName(k))
			}
		}
		if o.sortKeys {
			sort.SliceStable(order, func(a, c int) bool { return keys[order[a]] < keys[order[c]] })
		}
		b.WriteByte('{')
		for n, i := range order {
			if n > 0 {
				b.WriteString(o.itemSep)
			}
			newline(level + 1)
			writeJSONString(b, keys[i], o.ascii)
			b.WriteString(o.keySep)
			if err := writeJSON(b, v.vals[i], o, level+1); err != nil {
				return err
			}
		}
		newline(level)
		b.WriteByte('}')
	default:
		return fmt.Errorf("Object of type %s is not JSON serializable", typeName(v))
	}
	return nil
}

// writeJSONString quotes s as Python's json.dumps does.
func writeJSONString(b *strings.Builder, s string, ascii bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				fmt.Fprintf(b, `\u%04x`, r)
			case ascii && r > 0x7e:
				if r > 0xffff {
					r -= 0x10000
					fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// decodeJSON parses one JSON value into template values, keeping the key
// order of objects (Python's json.loads into dicts does the same).
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nesting too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return pyNone, nil
	case bool:
		return t, nil
	case string:
		return t, nil
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		return f, nil
	case json.Delim:
		switch t {
		case '[':
			var items []any
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return newList(items), nil
		case '{':
			d := newDict()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("JSON object key is not a string")
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				d.setStr(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return d, nil
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func fToJSON(_ *runner, v any, a argList) (any, error) {
	opts := jsonOpts{itemSep: ", ", keySep: ": "}
	// Hugging Face's signature: tojson(x, ensure_ascii=False, indent=None,
	// separators=None, sort_keys=False)
	opts.ascii = truthy(a.arg(0, "ensure_ascii", false))
	switch ind := a.arg(1, "indent", pyNone).(type) {
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
	if sep, ok := a.arg(2, "separators", pyNone).(*list); ok {
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
