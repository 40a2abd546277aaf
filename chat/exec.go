package chat

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// runner evaluates one Render call. It is not shared between goroutines.
type runner struct {
	globals  *scope
	now      func() time.Time
	steps    int
	maxSteps int
	maxOut   int
	depth    int
	outTotal int // bytes written to the top-level output
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
	b   strings.Builder
	top bool
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

// ---- expressions ----

func (r *runner) eval(x expr, sc *scope) (any, error) {
	if err := r.step(0); err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case *constExpr:
		return x.v, nil
	case *nameExpr:
		if v, ok := sc.lookup(x.name); ok {
			return v, nil
		}
		return undefined{hint: fmt.Sprintf("'%s' is undefined", x.name)}, nil
	case *listExpr:
		items, err := r.evalAll(x.items, sc)
		return newList(items), err
	case *tupleExpr:
		items, err := r.evalAll(x.items, sc)
		return newTuple(items), err
	case *dictExpr:
		d := newDict()
		for i := range x.keys {
			k, err := r.eval(x.keys[i], sc)
			if err != nil {
				return nil, err
			}
			v, err := r.eval(x.vals[i], sc)
			if err != nil {
				return nil, err
			}
			if err := d.set(k, v); err != nil {
				return nil, err
			}
		}
		return d, nil
	case *attrExpr:
		obj, err := r.eval(x.obj, sc)
		if err != nil {
			return nil, err
		}
		return getAttr(obj, x.name, x.line)
	case *itemExpr:
		obj, err := r.eval(x.obj, sc)
		if err != nil {
			return nil, err
		}
		k, err := r.eval(x.key, sc)
		if err != nil {
			return nil, err
		}
		return getItem(obj, k, x.line)
	case *sliceExpr:
		return r.evalSlice(x, sc)
	case *callExpr:
		fn, err := r.eval(x.fn, sc)
		if err != nil {
			return nil, err
		}
		args, kw, err := r.evalArgs(x.args, sc)
		if err != nil {
			return nil, err
		}
		c, ok := fn.(callable)
		if !ok {
			if u, ok := fn.(undefined); ok {
				return nil, rtErr(x.line, "%s", undefMsg(u))
			}
			return nil, rtErr(x.line, "'%s' object is not callable", typeName(fn))
		}
		work := 0
		for _, a := range args {
			work += workOf(a)
		}
		if err := r.stepN(work, x.line); err != nil {
			return nil, err
		}
		v, err := c.call(r, args, kw)
		if err != nil {
			return nil, wrapLine(err, x.line)
		}
		if err := r.stepN(workOf(v), x.line); err != nil {
			return nil, err
		}
		return v, nil
	case *filterExpr:
		v, err := r.eval(x.arg, sc)
		if err != nil {
			return nil, err
		}
		return r.applyFilter(x, v, sc)
	case *testExpr:
		v, err := r.eval(x.arg, sc)
		if err != nil {
			return nil, err
		}
		args, kw, err := r.evalArgs(x.args, sc)
		if err != nil {
			return nil, err
		}
		ok, err := r.runTest(x.name, v, args, kw)
		if err != nil {
			return nil, wrapLine(err, x.line)
		}
		return ok != x.neg, nil
	case *binExpr:
		return r.evalBin(x, sc)
	case *unaryExpr:
		v, err := r.eval(x.x, sc)
		if err != nil {
			return nil, err
		}
		switch x.op {
		case "not":
			return !truthy(v), nil
		case "-":
			switch n := v.(type) {
			case int64:
				return -n, nil
			case float64:
				return -n, nil
			case bool:
				if n {
					return int64(-1), nil
				}
				return int64(0), nil
			}
			return nil, rtErr(x.line, "bad operand type for unary -: '%s'", typeName(v))
		default:
			if n, ok := toNumber(v); ok {
				return n, nil
			}
			return nil, rtErr(x.line, "bad operand type for unary +: '%s'", typeName(v))
		}
	case *compareExpr:
		l, err := r.eval(x.first, sc)
		if err != nil {
			return nil, err
		}
		for i, op := range x.ops {
			rv, err := r.eval(x.rest[i], sc)
			if err != nil {
				return nil, err
			}
			ok, err := compareOp(op, l, rv)
			if err != nil {
				return nil, rtErr(x.line, "%v", err)
			}
			if !ok {
				return false, nil
			}
			l = rv
		}
		return true, nil
	case *condExpr:
		c, err := r.eval(x.cond, sc)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return r.eval(x.then, sc)
		}
		if x.els == nil {
			return undefined{hint: "the inline if-expression evaluated to false and no else section was defined"}, nil
		}
		return r.eval(x.els, sc)
	}
	return nil, fmt.Errorf("chat: unknown expression %T", x)
}

func wrapLine(err error, line int) error {
	var re *RaiseError
	if errors.As(err, &re) || errors.Is(err, ErrLimit) || strings.HasPrefix(err.Error(), "chat: ") {
		return err
	}
	return rtErr(line, "%v", err)
}

func undefMsg(u undefined) string {
	if u.hint != "" {
		return u.hint
	}
	return "value is undefined"
}

func (r *runner) evalAll(xs []expr, sc *scope) ([]any, error) {
	out := make([]any, len(xs))
	for i, x := range xs {
		v, err := r.eval(x, sc)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (r *runner) evalArgs(a callArgs, sc *scope) ([]any, *dict, error) {
	args, err := r.evalAll(a.pos, sc)
	if err != nil {
		return nil, nil, err
	}
	if len(a.kwName) == 0 {
		return args, nil, nil
	}
	kw := newDict()
	for i, n := range a.kwName {
		v, err := r.eval(a.kwVal[i], sc)
		if err != nil {
			return nil, nil, err
		}
		kw.setStr(n, v)
	}
	return args, kw, nil
}

func compareOp(op string, a, b any) (bool, error) {
	switch op {
	case "==":
		return equal(a, b), nil
	case "!=":
		return !equal(a, b), nil
	case "in":
		return contains(b, a)
	case "notin":
		ok, err := contains(b, a)
		return !ok, err
	}
	c, err := compare(a, b)
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

// contains is Python's "item in container".
func contains(container, item any) (bool, error) {
	switch c := container.(type) {
	case string, markup:
		cs, _ := asString(c)
		s, ok := asString(item)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(cs, s), nil
	case *list:
		for _, v := range c.items {
			if equal(v, item) {
				return true, nil
			}
		}
		return false, nil
	case *dict:
		_, ok := c.get(item)
		return ok, nil
	case undefined:
		return false, nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(container))
}

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
