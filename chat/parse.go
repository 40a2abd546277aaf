package chat

import (
	"fmt"
	"slices"
)

// Syntax tree. Expressions and statements are plain structs evaluated by a
// type switch in exec.go.

type expr any

type (
	constExpr struct{ v any }
	nameExpr  struct {
		name string
		line int
	}
	listExpr  struct{ items []expr }
	tupleExpr struct{ items []expr }
	dictExpr  struct{ keys, vals []expr }
	attrExpr  struct {
		obj  expr
		name string
		line int
	}
	itemExpr struct {
		obj, key expr
		line     int
	}
	sliceExpr struct {
		obj               expr
		start, stop, step expr // nil when absent
		line              int
	}
	callArgs struct {
		pos    []expr
		kwName []string
		kwVal  []expr
	}
	callExpr struct {
		fn   expr
		args callArgs
		line int
	}
	filterExpr struct {
		arg  expr // nil inside {% filter %} blocks
		name string
		args callArgs
		line int
	}
	testExpr struct {
		arg  expr
		name string
		args callArgs
		neg  bool
		line int
	}
	binExpr struct {
		op   string // + - * / // % ** ~ and or
		l, r expr
		line int
	}
	unaryExpr struct {
		op   string // - + not
		x    expr
		line int
	}
	compareExpr struct {
		first expr
		ops   []string // == != < <= > >= in notin
		rest  []expr
		line  int
	}
	condExpr struct {
		cond, then, els expr // els may be nil
	}
)

type stmt any

type (
	textStmt   struct{ s string }
	outputStmt struct{ x expr }
	ifStmt     struct {
		conds  []expr
		bodies [][]stmt
		els    []stmt
	}
	forStmt struct {
		targets []string // one name, or several for tuple unpacking
		iter    expr
		cond    expr // optional "if" filter
		body    []stmt
		els     []stmt
		line    int
	}
	setStmt struct {
		targets []string
		x       expr
		line    int
	}
	setAttrStmt struct {
		obj, attr string
		x         expr
		line      int
	}
	setBlockStmt struct {
		name    string
		filters []*filterExpr
		body    []stmt
	}
	macroStmt struct {
		name     string
		params   []string
		defaults []expr // aligned with params; nil when none
		body     []stmt
	}
	filterBlockStmt struct {
		filters []*filterExpr
		body    []stmt
	}
	breakStmt    struct{}
	continueStmt struct{}
)

type parser struct {
	toks  []token
	pos   int
	depth int // nesting of blocks and sub-expressions
}

// maxNesting bounds how deeply blocks and expressions may nest, so that a
// hostile template cannot exhaust the stack of the recursive parser and
// evaluator. Real templates nest a handful of levels.
const maxNesting = 100

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return p.errf("template nests deeper than %d levels", maxNesting)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func parse(src string) ([]stmt, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	body, end, err := p.stmts(nil)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, p.errf("unexpected '%s'", end)
	}
	return body, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) errf(format string, args ...any) error {
	return &SyntaxError{Line: p.peek().line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) isOp(v string) bool   { t := p.peek(); return t.kind == tOp && t.val == v }
func (p *parser) isName(v string) bool { t := p.peek(); return t.kind == tName && t.val == v }

func (p *parser) skipOp(v string) bool {
	if p.isOp(v) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) skipName(v string) bool {
	if p.isName(v) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expectOp(v string) error {
	if !p.skipOp(v) {
		return p.errf("expected '%s', got %s", v, describe(p.peek()))
	}
	return nil
}

func (p *parser) expectName() (string, error) {
	t := p.peek()
	if t.kind != tName {
		return "", p.errf("expected a name, got %s", describe(t))
	}
	p.pos++
	return t.val, nil
}

func (p *parser) expectBlockEnd() error {
	if p.peek().kind != tBlockEnd {
		return p.errf("expected end of block tag, got %s", describe(p.peek()))
	}
	p.pos++
	return nil
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of template"
	case tBlockEnd:
		return "'%}'"
	case tVarEnd:
		return "'}}'"
	case tString:
		return fmt.Sprintf("string %q", t.val)
	default:
		return fmt.Sprintf("'%s'", t.val)
	}
}

// stmts parses statements until one of the end tags in ends (e.g. "endif",
// "elif", "else") and returns the tag that stopped it ("" at end of input).
// The stopping tag's name is consumed; its arguments and %} are not.
func (p *parser) stmts(ends []string) ([]stmt, string, error) {
	if err := p.enter(); err != nil {
		return nil, "", err
	}
	defer p.leave()
	var out []stmt
	for {
		t := p.next()
		switch t.kind {
		case tEOF:
			if len(ends) > 0 {
				return nil, "", &SyntaxError{Line: t.line, Msg: fmt.Sprintf("unexpected end of template, expected '%s'", ends[0])}
			}
			return out, "", nil
		case tText:
			out = append(out, &textStmt{s: t.val})
		case tVarBegin:
			x, err := p.expr()
			if err != nil {
				return nil, "", err
			}
			if p.peek().kind != tVarEnd {
				return nil, "", p.errf("expected '}}', got %s", describe(p.peek()))
			}
			p.pos++
			out = append(out, &outputStmt{x: x})
		case tBlockBegin:
			nt := p.peek()
			if nt.kind != tName {
				return nil, "", p.errf("expected a tag name, got %s", describe(nt))
			}
			if slices.Contains(ends, nt.val) {
				p.pos++
				return out, nt.val, nil
			}
			s, err := p.block()
			if err != nil {
				return nil, "", err
			}
			if s != nil {
				out = append(out, s)
			}
		default:
			return nil, "", &SyntaxError{Line: t.line, Msg: "unexpected " + describe(t)}
		}
	}
}

func (p *parser) block() (stmt, error) {
	t := p.next()
	switch t.val {
	case "if":
		return p.ifBlock()
	case "for":
		return p.forBlock(t.line)
	case "set":
		return p.setBlock(t.line)
	case "macro":
		return p.macroBlock()
	case "filter":
		fs, err := p.filterChain(nil)
		if err != nil {
			return nil, err
		}
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		body, _, err := p.stmts([]string{"endfilter"})
		if err != nil {
			return nil, err
		}
		return &filterBlockStmt{filters: fs, body: body}, p.expectBlockEnd()
	case "generation":
		// Hugging Face's AssistantTracker tag: renders its body unchanged.
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		body, _, err := p.stmts([]string{"endgeneration"})
		if err != nil {
			return nil, err
		}
		return &filterBlockStmt{body: body}, p.expectBlockEnd()
	case "break":
		return &breakStmt{}, p.expectBlockEnd()
	case "continue":
		return &continueStmt{}, p.expectBlockEnd()
	}
	return nil, &SyntaxError{Line: t.line, Msg: fmt.Sprintf("unknown or unsupported tag '%s'", t.val)}
}

func (p *parser) ifBlock() (stmt, error) {
	s := &ifStmt{}
	for {
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		body, end, err := p.stmts([]string{"endif", "elif", "else"})
		if err != nil {
			return nil, err
		}
		s.conds = append(s.conds, c)
		s.bodies = append(s.bodies, body)
		switch end {
		case "elif":
			continue
		case "else":
			if err := p.expectBlockEnd(); err != nil {
				return nil, err
			}
			s.els, _, err = p.stmts([]string{"endif"})
			if err != nil {
				return nil, err
			}
		}
		return s, p.expectBlockEnd()
	}
}

func (p *parser) targetNames() ([]string, error) {
	paren := p.skipOp("(")
	var names []string
	for {
		n, err := p.expectName()
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		if !p.skipOp(",") {
			break
		}
		if p.isOp(")") || p.isName("in") || p.isOp("=") {
			break
		}
	}
	if paren {
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	return names, nil
}

func (p *parser) forBlock(line int) (stmt, error) {
	names, err := p.targetNames()
	if err != nil {
		return nil, err
	}
	if !p.skipName("in") {
		return nil, p.errf("expected 'in', got %s", describe(p.peek()))
	}
	iter, err := p.tuple(false)
	if err != nil {
		return nil, err
	}
	s := &forStmt{targets: names, iter: iter, line: line}
	if p.skipName("if") {
		if s.cond, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.isName("recursive") {
		return nil, p.errf("recursive for loops are not supported")
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	body, end, err := p.stmts([]string{"endfor", "else"})
	if err != nil {
		return nil, err
	}
	s.body = body
	if end == "else" {
		if err := p.expectBlockEnd(); err != nil {
			return nil, err
		}
		if s.els, _, err = p.stmts([]string{"endfor"}); err != nil {
			return nil, err
		}
	}
	return s, p.expectBlockEnd()
}

func (p *parser) setBlock(line int) (stmt, error) {
	// {% set ns.attr = x %}
	if p.toks[p.pos].kind == tName && p.toks[p.pos+1].kind == tOp && p.toks[p.pos+1].val == "." {
		obj := p.next().val
		p.next()
		attr, err := p.expectName()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		x, err := p.tuple(true)
		if err != nil {
			return nil, err
		}
		return &setAttrStmt{obj: obj, attr: attr, x: x, line: line}, p.expectBlockEnd()
	}
	names, err := p.targetNames()
	if err != nil {
		return nil, err
	}
	if p.skipOp("=") {
		x, err := p.tuple(true)
		if err != nil {
			return nil, err
		}
		return &setStmt{targets: names, x: x, line: line}, p.expectBlockEnd()
	}
	if len(names) != 1 {
		return nil, p.errf("expected '='")
	}
	// block set: {% set x %}...{% endset %} with optional filters
	var fs []*filterExpr
	if p.isOp("|") {
		if fs, err = p.filterChain(nil); err != nil {
			return nil, err
		}
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	body, _, err := p.stmts([]string{"endset"})
	if err != nil {
		return nil, err
	}
	return &setBlockStmt{name: names[0], filters: fs, body: body}, p.expectBlockEnd()
}

func (p *parser) macroBlock() (stmt, error) {
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	s := &macroStmt{name: name}
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	for !p.isOp(")") {
		n, err := p.expectName()
		if err != nil {
			return nil, err
		}
		var def expr
		if p.skipOp("=") {
			if def, err = p.expr(); err != nil {
				return nil, err
			}
		} else if len(s.defaults) > 0 && s.defaults[len(s.defaults)-1] != nil {
			return nil, p.errf("non-default argument follows default argument")
		}
		s.params = append(s.params, n)
		s.defaults = append(s.defaults, def)
		if !p.skipOp(",") {
			break
		}
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if err := p.expectBlockEnd(); err != nil {
		return nil, err
	}
	if s.body, _, err = p.stmts([]string{"endmacro"}); err != nil {
		return nil, err
	}
	if p.peek().kind == tName { // {% endmacro name %}
		p.pos++
	}
	return s, p.expectBlockEnd()
}

// filterChain parses "name(args) | name ..." after an optional leading "|".
func (p *parser) filterChain(arg expr) ([]*filterExpr, error) {
	var out []*filterExpr
	p.skipOp("|")
	for {
		f, err := p.filter(arg)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		if !p.skipOp("|") {
			return out, nil
		}
	}
}

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
			return &constExpr{v: None}, nil
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
