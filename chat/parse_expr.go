package chat

import "slices"

// ---- expressions (precedence as in jinja2's parser) ----

func (p *parser) expr() (expr, error) { return p.condExpr(true) }

// tuple parses "a, b, c" as a tuple, or a single expression.
func (p *parser) tuple(withCond bool) (expr, error) {
	first, err := p.condExpr(withCond)
	if err != nil {
		return nil, err
	}
	if !p.isOp(",") {
		return first, nil
	}
	items := []expr{first}
	for p.skipOp(",") {
		if p.peek().kind == tBlockEnd || p.isName("if") {
			break
		}
		x, err := p.condExpr(withCond)
		if err != nil {
			return nil, err
		}
		items = append(items, x)
	}
	return &tupleExpr{items: items}, nil
}

func (p *parser) condExpr(withCond bool) (expr, error) {
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	if !withCond {
		return x, nil
	}
	for p.skipName("if") {
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		var els expr
		if p.skipName("else") {
			if els, err = p.condExpr(true); err != nil {
				return nil, err
			}
		}
		x = &condExpr{cond: c, then: x, els: els}
	}
	return x, nil
}

func (p *parser) or() (expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isName("or") {
		line := p.next().line
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "or", l: l, r: r, line: line}
	}
	return l, nil
}

func (p *parser) and() (expr, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.isName("and") {
		line := p.next().line
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: "and", l: l, r: r, line: line}
	}
	return l, nil
}

func (p *parser) not() (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.isName("not") {
		line := p.next().line
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{op: "not", x: x, line: line}, nil
	}
	return p.compare()
}

func (p *parser) compare() (expr, error) {
	line := p.peek().line
	first, err := p.math1()
	if err != nil {
		return nil, err
	}
	c := &compareExpr{first: first, line: line}
	for {
		t := p.peek()
		var op string
		switch {
		case t.kind == tOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.pos++
		case t.kind == tName && t.val == "in":
			op = "in"
			p.pos++
		case t.kind == tName && t.val == "not" && p.toks[p.pos+1].kind == tName && p.toks[p.pos+1].val == "in":
			op = "notin"
			p.pos += 2
		default:
			if len(c.ops) == 0 {
				return first, nil
			}
			return c, nil
		}
		r, err := p.math1()
		if err != nil {
			return nil, err
		}
		c.ops = append(c.ops, op)
		c.rest = append(c.rest, r)
	}
}

func (p *parser) binLevel(ops []string, sub func() (expr, error)) (expr, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tOp || !slices.Contains(ops, t.val) {
			return l, nil
		}
		p.pos++
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l = &binExpr{op: t.val, l: l, r: r, line: t.line}
	}
}

func (p *parser) math1() (expr, error) { return p.binLevel([]string{"+", "-"}, p.concat) }
func (p *parser) concat() (expr, error) {
	return p.binLevel([]string{"~"}, p.math2)
}
func (p *parser) math2() (expr, error) {
	return p.binLevel([]string{"*", "/", "//", "%"}, p.pow)
}
func (p *parser) pow() (expr, error) {
	return p.binLevel([]string{"**"}, func() (expr, error) { return p.unary(true) })
}

func (p *parser) unary(withFilter bool) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.peek()
	var x expr
	var err error
	if t.kind == tOp && (t.val == "-" || t.val == "+") {
		p.pos++
		inner, err := p.unary(false)
		if err != nil {
			return nil, err
		}
		x = &unaryExpr{op: t.val, x: inner, line: t.line}
	} else {
		if x, err = p.primary(); err != nil {
			return nil, err
		}
		if x, err = p.postfix(x); err != nil {
			return nil, err
		}
	}
	if withFilter {
		return p.filterTail(x)
	}
	return x, nil
}

func (p *parser) primary() (expr, error) {
	t := p.next()
	switch t.kind {
	case tName:
		switch t.val {
		case "true", "True":
			return &constExpr{v: true}, nil
		case "false", "False":
			return &constExpr{v: false}, nil
		case "none", "None":
			return &constExpr{v: pyNone}, nil
		}
		return &nameExpr{name: t.val, line: t.line}, nil
	case tString:
		s := t.val
		for p.peek().kind == tString {
			s += p.next().val
		}
		return &constExpr{v: s}, nil
	case tInt, tFloat:
		return &constExpr{v: t.num}, nil
	case tOp:
		switch t.val {
		case "(":
			if p.skipOp(")") {
				return &tupleExpr{}, nil
			}
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if p.isOp(",") {
				items := []expr{x}
				for p.skipOp(",") {
					if p.isOp(")") {
						break
					}
					y, err := p.expr()
					if err != nil {
						return nil, err
					}
					items = append(items, y)
				}
				x = &tupleExpr{items: items}
			}
			return x, p.expectOp(")")
		case "[":
			l := &listExpr{}
			for !p.isOp("]") {
				x, err := p.expr()
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, x)
				if !p.skipOp(",") {
					break
				}
			}
			return l, p.expectOp("]")
		case "{":
			d := &dictExpr{}
			for !p.isOp("}") {
				k, err := p.expr()
				if err != nil {
					return nil, err
				}
				if err := p.expectOp(":"); err != nil {
					return nil, err
				}
				v, err := p.expr()
				if err != nil {
					return nil, err
				}
				d.keys = append(d.keys, k)
				d.vals = append(d.vals, v)
				if !p.skipOp(",") {
					break
				}
			}
			return d, p.expectOp("}")
		}
	}
	p.pos--
	return nil, p.errf("unexpected %s", describe(t))
}

func (p *parser) postfix(x expr) (expr, error) {
	for {
		t := p.peek()
		if t.kind != tOp {
			return x, nil
		}
		switch t.val {
		case ".":
			p.pos++
			nt := p.next()
			switch nt.kind {
			case tName:
				x = &attrExpr{obj: x, name: nt.val, line: nt.line}
			case tInt:
				x = &itemExpr{obj: x, key: &constExpr{v: nt.num}, line: nt.line}
			default:
				return nil, &SyntaxError{Line: nt.line, Msg: "expected attribute name after '.'"}
			}
		case "[":
			p.pos++
			var err error
			if x, err = p.subscript(x, t.line); err != nil {
				return nil, err
			}
		case "(":
			p.pos++
			args, err := p.callArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{fn: x, args: args, line: t.line}
		default:
			return x, nil
		}
	}
}

func (p *parser) subscript(obj expr, line int) (expr, error) {
	var parts [3]expr
	n := 0
	isSlice := false
	for {
		if p.isOp(":") {
			isSlice = true
			p.pos++
			n++
			if n > 2 {
				return nil, p.errf("bad slice")
			}
			continue
		}
		if p.isOp("]") {
			break
		}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		parts[n] = x
		if !p.isOp(":") {
			break
		}
	}
	if err := p.expectOp("]"); err != nil {
		return nil, err
	}
	if !isSlice {
		if parts[0] == nil {
			return nil, p.errf("empty subscript")
		}
		return &itemExpr{obj: obj, key: parts[0], line: line}, nil
	}
	return &sliceExpr{obj: obj, start: parts[0], stop: parts[1], step: parts[2], line: line}, nil
}

func (p *parser) callArgs() (callArgs, error) {
	var a callArgs
	for !p.isOp(")") {
		if p.peek().kind == tName && p.toks[p.pos+1].kind == tOp && p.toks[p.pos+1].val == "=" {
			name := p.next().val
			p.next()
			v, err := p.expr()
			if err != nil {
				return a, err
			}
			a.kwName = append(a.kwName, name)
			a.kwVal = append(a.kwVal, v)
		} else {
			if len(a.kwName) > 0 {
				return a, p.errf("positional argument follows keyword argument")
			}
			v, err := p.expr()
			if err != nil {
				return a, err
			}
			a.pos = append(a.pos, v)
		}
		if !p.skipOp(",") {
			break
		}
	}
	return a, p.expectOp(")")
}

func (p *parser) filter(arg expr) (*filterExpr, error) {
	t := p.peek()
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	for p.isOp(".") { // dotted filter names
		p.pos++
		n, err := p.expectName()
		if err != nil {
			return nil, err
		}
		name += "." + n
	}
	f := &filterExpr{arg: arg, name: name, line: t.line}
	if p.skipOp("(") {
		if f.args, err = p.callArgs(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// filterTail handles "| filter", "is test" and calls after a unary operand.
func (p *parser) filterTail(x expr) (expr, error) {
	for {
		switch {
		case p.isOp("|"):
			p.pos++
			f, err := p.filter(x)
			if err != nil {
				return nil, err
			}
			x = f
		case p.isName("is"):
			line := p.next().line
			neg := p.skipName("not")
			name, err := p.expectName()
			if err != nil {
				return nil, err
			}
			for p.isOp(".") {
				p.pos++
				n, err := p.expectName()
				if err != nil {
					return nil, err
				}
				name += "." + n
			}
			te := &testExpr{arg: x, name: name, neg: neg, line: line}
			nt := p.peek()
			switch {
			case p.skipOp("("):
				if te.args, err = p.callArgs(); err != nil {
					return nil, err
				}
			case nt.kind == tString || nt.kind == tInt || nt.kind == tFloat ||
				nt.kind == tOp && (nt.val == "[" || nt.val == "{") ||
				nt.kind == tName && !slices.Contains([]string{"else", "or", "and", "if", "in", "not", "is"}, nt.val):
				// a single argument without parentheses: "x is divisibleby 3"
				a, err := p.primary()
				if err != nil {
					return nil, err
				}
				if a, err = p.postfix(a); err != nil {
					return nil, err
				}
				te.args.pos = []expr{a}
			}
			x = te
		case p.isOp("("):
			line := p.next().line
			args, err := p.callArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{fn: x, args: args, line: line}
		default:
			return x, nil
		}
	}
}
