package chat

// Expression evaluation: names, literals, attribute and item access, calls,
// filters, tests and conditional expressions.

import (
	"errors"
	"fmt"
	"strings"
)

// eval evaluates an expression to a template value (see value.go). Every
// node costs one step.
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
