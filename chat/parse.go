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
