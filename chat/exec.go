package chat

// Statement execution: the runner, scopes, for loops, macros, and the step
// and output bounds.

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// runner evaluates one Render call. It is not shared between goroutines.
type runner struct {
	now      func() time.Time
	steps    int // evaluation steps taken so far
	maxSteps int
	maxOut   int
	depth    int // macro call depth
}

// scope holds variables in a slice: scopes are created per loop iteration
// and macro call and hold few names, where a map costs more than a scan.
type scope struct {
	names  []string
	vals   []any
	parent *scope
}

func newScope(parent *scope) *scope { return &scope{parent: parent} }

func (s *scope) lookup(name string) (any, bool) {
	for ; s != nil; s = s.parent {
		for i := len(s.names) - 1; i >= 0; i-- {
			if s.names[i] == name {
				return s.vals[i], true
			}
		}
	}
	return nil, false
}

func (s *scope) set(name string, v any) {
	for i, n := range s.names {
		if n == name {
			s.vals[i] = v
			return
		}
	}
	s.names = append(s.names, name)
	s.vals = append(s.vals, v)
}

// RaiseError is returned when the template calls raise_exception(message);
// Message is the template's text, fit to show to the client.
type RaiseError struct{ Message string }

func (e *RaiseError) Error() string { return "chat: template error: " + e.Message }

// ErrLimit is wrapped by errors from templates that exceed the output or
// step bounds (see Options.MaxOutput and Options.MaxSteps).
var ErrLimit = errors.New("chat: template exceeds its limits")

// runtimeError is a template evaluation error with its line.
func rtErr(line int, format string, args ...any) error {
	return fmt.Errorf("chat: template line %d: %s", line, fmt.Sprintf(format, args...))
}

type flow uint8

const (
	flowNormal flow = iota
	flowBreak
	flowContinue
)

// bytesPerStep prices string building: one step per this many bytes made.
const bytesPerStep = 64

// maxMacroDepth bounds macro recursion; Python's default recursion limit
// (1000 frames, a few per macro call) stops jinja2 a little later.
const maxMacroDepth = 200

func (r *runner) step(line int) error { return r.stepN(1, line) }

// stepN charges n steps: builtins charge for the items they touch and the
// bytes they build, so large work inside one expression is bounded too.
func (r *runner) stepN(n int, line int) error {
	r.steps += n
	if r.steps > r.maxSteps || n < 0 {
		return fmt.Errorf("%w: more than %d evaluation steps (line %d)", ErrLimit, r.maxSteps, line)
	}
	return nil
}

type output struct {
	b strings.Builder
}

func (r *runner) write(out *output, s string) error {
	if out.b.Len()+len(s) > r.maxOut {
		return fmt.Errorf("%w: output longer than %d bytes", ErrLimit, r.maxOut)
	}
	out.b.WriteString(s)
	return nil
}

func (r *runner) exec(body []stmt, sc *scope, out *output) (flow, error) {
	for _, s := range body {
		f, err := r.execOne(s, sc, out)
		if err != nil || f != flowNormal {
			return f, err
		}
	}
	return flowNormal, nil
}

func (r *runner) execOne(s stmt, sc *scope, out *output) (flow, error) {
	if err := r.step(0); err != nil {
		return flowNormal, err
	}
	switch s := s.(type) {
	case *textStmt:
		return flowNormal, r.write(out, s.s)
	case *outputStmt:
		v, err := r.eval(s.x, sc)
		if err != nil {
			return flowNormal, err
		}
		return flowNormal, r.write(out, pyStr(v))
	case *ifStmt:
		for i, c := range s.conds {
			v, err := r.eval(c, sc)
			if err != nil {
				return flowNormal, err
			}
			if truthy(v) {
				return r.exec(s.bodies[i], sc, out)
			}
		}
		return r.exec(s.els, sc, out)
	case *forStmt:
		return flowNormal, r.execFor(s, sc, out)
	case *setStmt:
		v, err := r.eval(s.x, sc)
		if err != nil {
			return flowNormal, err
		}
		return flowNormal, assign(sc, s.targets, v, s.line)
	case *setAttrStmt:
		obj, ok := sc.lookup(s.obj)
		ns, isNS := obj.(*namespace)
		if !ok || !isNS {
			return flowNormal, rtErr(s.line, "can only set attributes of a namespace, not %s", typeName(obj))
		}
		v, err := r.eval(s.x, sc)
		if err != nil {
			return flowNormal, err
		}
		ns.attrs.setStr(s.attr, v)
		return flowNormal, nil
	case *setBlockStmt:
		var v any
		v, err := r.capture(s.body, sc)
		if err != nil {
			return flowNormal, err
		}
		for _, f := range s.filters {
			if v, err = r.applyFilter(f, v, sc); err != nil {
				return flowNormal, err
			}
		}
		sc.set(s.name, v)
		return flowNormal, nil
	case *filterBlockStmt:
		if len(s.filters) == 0 { // {% generation %}
			return r.exec(s.body, sc, out)
		}
		var v any
		v, err := r.capture(s.body, sc)
		if err != nil {
			return flowNormal, err
		}
		for _, f := range s.filters {
			if v, err = r.applyFilter(f, v, sc); err != nil {
				return flowNormal, err
			}
		}
		return flowNormal, r.write(out, pyStr(v))
	case *macroStmt:
		sc.set(s.name, &macro{def: s, closure: sc})
		return flowNormal, nil
	case *breakStmt:
		return flowBreak, nil
	case *continueStmt:
		return flowContinue, nil
	}
	return flowNormal, fmt.Errorf("chat: unknown statement %T", s)
}

// capture renders body into a string (for block set and filter blocks).
func (r *runner) capture(body []stmt, sc *scope) (string, error) {
	var out output
	if _, err := r.exec(body, sc, &out); err != nil {
		return "", err
	}
	return out.b.String(), nil
}

func assign(sc *scope, targets []string, v any, line int) error {
	if len(targets) == 1 {
		sc.set(targets[0], v)
		return nil
	}
	items, err := iterate(v)
	if err != nil {
		return rtErr(line, "cannot unpack: %v", err)
	}
	if len(items) != len(targets) {
		return rtErr(line, "expected %d values to unpack, got %d", len(targets), len(items))
	}
	for i, t := range targets {
		sc.set(t, items[i])
	}
	return nil
}

func (r *runner) execFor(s *forStmt, sc *scope, out *output) error {
	it, err := r.eval(s.iter, sc)
	if err != nil {
		return err
	}
	all, err := iterate(it)
	if err != nil {
		return rtErr(s.line, "%v", err)
	}
	if d, ok := it.(*dict); ok {
		all = append([]any(nil), d.keys...) // iterating a dict yields its keys
	}
	inner := newScope(sc)
	items := all
	if s.cond != nil {
		items = nil
		for _, v := range all {
			if err := assign(inner, s.targets, v, s.line); err != nil {
				return err
			}
			c, err := r.eval(s.cond, inner)
			if err != nil {
				return err
			}
			if truthy(c) {
				items = append(items, v)
			}
		}
	}
	if len(items) == 0 {
		_, err := r.exec(s.els, sc, out)
		return err
	}
	loop := &loopInfo{items: items, length: len(items)}
	for i, v := range items {
		loop.index = i
		if err := r.step(s.line); err != nil {
			return err
		}
		// jinja2 starts every iteration from the enclosing scope: a "set"
		// in the body neither leaks out nor survives to the next iteration.
		inner := newScope(sc)
		if err := assign(inner, s.targets, v, s.line); err != nil {
			return err
		}
		inner.set("loop", loop)
		f, err := r.exec(s.body, inner, out)
		if err != nil {
			return err
		}
		if f == flowBreak {
			break
		}
	}
	return nil
}

// loopInfo is the "loop" variable.
type loopInfo struct {
	items  []any
	index  int
	length int
}

func (l *loopInfo) attr(name string) (any, bool) {
	switch name {
	case "index":
		return int64(l.index + 1), true
	case "index0":
		return int64(l.index), true
	case "revindex":
		return int64(l.length - l.index), true
	case "revindex0":
		return int64(l.length - l.index - 1), true
	case "first":
		return l.index == 0, true
	case "last":
		return l.index == l.length-1, true
	case "length":
		return int64(l.length), true
	case "depth":
		return int64(1), true
	case "depth0":
		return int64(0), true
	case "previtem":
		if l.index == 0 {
			return undefined{hint: "there is no previous item"}, true
		}
		return l.items[l.index-1], true
	case "nextitem":
		if l.index == l.length-1 {
			return undefined{hint: "there is no next item"}, true
		}
		return l.items[l.index+1], true
	case "cycle":
		return &builtin{n: "loop.cycle", f: func(_ *runner, args []any, _ *dict) (any, error) {
			if len(args) == 0 {
				return nil, errors.New("no items for cycling given")
			}
			return args[l.index%len(args)], nil
		}}, true
	}
	return nil, false
}

// macro is a {% macro %} definition bound to the scope it was defined in.
type macro struct {
	def     *macroStmt
	closure *scope
}

func (m *macro) name() string { return m.def.name }

func (m *macro) call(r *runner, args []any, kw *dict) (any, error) {
	if r.depth >= maxMacroDepth {
		return nil, fmt.Errorf("%w: macro recursion deeper than %d", ErrLimit, maxMacroDepth)
	}
	r.depth++
	defer func() { r.depth-- }()
	sc := newScope(m.closure)
	if len(args) > len(m.def.params) {
		return nil, fmt.Errorf("macro '%s' takes not more than %d argument(s)", m.def.name, len(m.def.params))
	}
	for i, p := range m.def.params {
		switch {
		case i < len(args):
			sc.set(p, args[i])
		case kw != nil && dictHas(kw, p):
			v, _ := kw.get(p)
			sc.set(p, v)
		case m.def.defaults[i] != nil:
			v, err := r.eval(m.def.defaults[i], sc)
			if err != nil {
				return nil, err
			}
			sc.set(p, v)
		default:
			sc.set(p, undefined{hint: fmt.Sprintf("parameter '%s' was not provided", p)})
		}
	}
	if kw != nil {
		for _, k := range kw.keys {
			ks, _ := k.(string)
			found := false
			for _, p := range m.def.params {
				found = found || p == ks
			}
			if !found {
				return nil, fmt.Errorf("macro '%s' takes no keyword argument '%s'", m.def.name, ks)
			}
		}
	}
	var out output
	if _, err := r.exec(m.def.body, sc, &out); err != nil {
		return nil, err
	}
	// jinja2 wraps a macro's result in Markup only when autoescaping,
	// which chat templates never enable.
	return out.b.String(), nil
}

func dictHas(d *dict, k string) bool { _, ok := d.get(k); return ok }

// builtin is a Go function exposed to templates.
type builtin struct {
	n string
	f func(r *runner, args []any, kw *dict) (any, error)
}

func (b *builtin) name() string                                      { return b.n }
func (b *builtin) call(r *runner, args []any, kw *dict) (any, error) { return b.f(r, args, kw) }
