package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"unclosed if", "a\n{% if x %}b", 2, "expected 'endif'"},
		{"unclosed var", "{{ x ", 1, "expected '}}'"},
		{"bad expression", "one\ntwo\n{{ 1 + }}", 3, "unexpected '}}'"},
		{"stray end", "{% endfor %}", 1, "unknown or unsupported tag 'endfor'"},
		{"include", "{% include 'x.jinja' %}", 1, "unsupported tag 'include'"},
		{"unterminated string", "{{ 'abc }}", 1, "unterminated string"},
		{"unclosed comment", "x {# y", 1, "unclosed comment"},
		{"for without in", "{% for x messages %}{% endfor %}", 1, "expected 'in'"},
		{"bad char", "{{ a $ b }}", 1, "unexpected character"},
		{"unbalanced", "{{ a) }}", 1, "unexpected ')'"},
		{"missing endraw", "{% raw %}x", 1, "missing endraw"},
		{"bad escape", `{{ '\x4' }}`, 1, "escape"},
		{"macro default order", "{% macro m(a=1, b) %}{% endmacro %}", 1, "non-default argument"},
		{"deep expression", "{{ " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + " }}", 1, "nests deeper"},
		{"deep blocks", strings.Repeat("{% if true %}", 5000), 1, "nests deeper"},
		{"not chain", "{{ " + strings.Repeat("not ", 5000) + "x }}", 1, "nests deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, want *SyntaxError", tt.src, err)
			}
			if se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
				t.Fatalf("Parse(%q) = line %d %q, want line %d containing %q", tt.src, se.Line, se.Msg, tt.line, tt.msg)
			}
		})
	}
}

func TestRaiseException(t *testing.T) {
	tpl, err := Parse("{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}" +
		"{{ raise_exception('Unsupported role: ' + m.role) }}{% endif %}{{ m.content }}{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Render([]Message{{Role: "user", Content: "hi"}, {Role: "robot", Content: "beep"}}, Options{})
	var re *RaiseError
	if !errors.As(err, &re) {
		t.Fatalf("Render = %q, %v; want *RaiseError", out, err)
	}
	if re.Message != "Unsupported role: robot" {
		t.Fatalf("message %q", re.Message)
	}
	if out, err := tpl.Render([]Message{{Role: "user", Content: "hi"}}, Options{}); err != nil || out != "hi" {
		t.Fatalf("Render = %q, %v", out, err)
	}
}

func TestRuntimeErrors(t *testing.T) {
	tests := []struct {
		name, src, msg string
	}{
		{"attribute of undefined", "line1\n{{ nothing.role }}", "line 2: 'nothing' has no attribute 'role'"},
		{"index of empty list", "{{ messages[0]['role'] }}", "has no attribute 'role'"},
		{"str plus none", "{{ 'a' + none }}", "can only concatenate str"},
		{"call undefined", "{{ nope() }}", "'nope' is undefined"},
		{"unknown filter", "{{ 1|frobnicate }}", "no filter named 'frobnicate'"},
		{"unknown test", "{{ 1 is frob }}", "no test named 'frob'"},
		{"iterate none", "{% for x in none %}{% endfor %}", "not iterable"},
		{"division by zero", "{{ 1 // 0 }}", "division or modulo by zero"},
		{"set attr of non-namespace", "{% set x = 1 %}{% set x.y = 2 %}", "namespace"},
		{"mutating method", "{% set l = [] %}{{ l.append(1) }}", "no attribute 'append'"},
		{"tojson undefined", "{{ nothing|tojson }}", "not JSON serializable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			out, err := tpl.Render(nil, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Render = %q, %v; want error containing %q", out, err, tt.msg)
			}
		})
	}
}

// Templates that never finish or explode must return ErrLimit, quickly.
func TestLimits(t *testing.T) {
	tests := []struct {
		name, src string
		opts      Options
	}{
		{"nested loops hit the step bound", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
			Options{MaxSteps: 200_000}},
		{"output bound", "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", Options{MaxOutput: 1 << 20}},
		{"string repetition bomb", "{{ 'x' * 10000000000 }}", Options{}},
		{"list repetition bomb", "{{ [1, 2] * 100000000000 }}", Options{}},
		{"range too big", "{{ range(1000000000)|length }}", Options{}},
		{"unbounded macro recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Options{}},
		{"power loop", "{{ (-1) ** 1000000000000000000 }}{{ 2 ** 100 }}", Options{}},
		{"zfill bomb", "{{ 'x'.zfill(1000000000000) }}", Options{}},
		{"center bomb", "{{ 'x'|center(1000000000000) }}", Options{}},
		{"indent bomb", "{{ 'a\nb\nc'|indent(10000000) }}", Options{}},
		{"batch bomb", "{{ [1]|batch(1000000000000, 0)|list }}", Options{}},
		{"doubling string", "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
			Options{MaxOutput: 1 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = tpl.Render(nil, tt.opts)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("Render err = %v, want ErrLimit", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v to hit the limit", d)
			}
		})
	}
}

// A zero Options uses DefaultMaxSteps. The template burns steps through
// builtins (range and filters charge for the items they touch), so the
// bound is reached in a fraction of a second.
func TestDefaultStepBound(t *testing.T) {
	tpl, err := Parse("{% for i in range(100000) %}{{ range(99999)|length }}{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(nil, Options{})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), fmt.Sprintf("more than %d evaluation steps", DefaultMaxSteps)) {
		t.Fatalf("err = %v, want ErrLimit at DefaultMaxSteps", err)
	}
}

// Values nested far deeper than any JSON input are still printed and
// compared without exhausting the stack.
func TestDeepValues(t *testing.T) {
	tpl, err := Parse("{% set ns = namespace(x=[]) %}{% for i in range(20000) %}{% set ns.x = [ns.x] %}{% endfor %}" +
		"{{ (ns.x|string)[:8] }} {{ ns.x == ns.x }} {{ ns.x|tojson }}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "nesting too deep") {
		t.Fatalf("err = %v, want tojson nesting error", err)
	}
	tpl, err = Parse("{% set ns = namespace(x=[]) %}{% for i in range(20000) %}{% set ns.x = [ns.x] %}{% endfor %}" +
		"{{ (ns.x|string)[:8] }} {{ ns.x == ns.x }}")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := tpl.Render(nil, Options{}); err != nil || out != "[[[[[[[[ False" {
		t.Fatalf("Render = %q, %v", out, err)
	}
}

// FuzzTemplate checks that no template text makes Parse or Render panic or
// run away; the seed corpus (run by plain go test) is the golden templates.
func FuzzTemplate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "templates", "*.jinja"))
	for _, fn := range files {
		src, err := os.ReadFile(fn)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add("{% for m in messages %}{{ m.role|upper ~ m['content'][1:] }}{% endfor %}{{ raise_exception('x') if false }}")
	msgs := []Message{{Role: "system", Content: "s"}, {Role: "user", Content: "u"},
		{Role: "assistant", ToolCalls: []ToolCall{{ID: "abc123DEF", Function: FunctionCall{Name: "f", Arguments: `{"a": 1}`}}}},
		{Role: "tool", ToolCallID: "abc123DEF", Content: "r"}}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		if err != nil {
			return
		}
		_, _ = tpl.Render(msgs, Options{MaxSteps: 100_000, MaxOutput: 1 << 20, AddGenerationPrompt: true,
			Tools: []json.RawMessage{json.RawMessage(`{"type": "function", "function": {"name": "f"}}`)}})
	})
}

// Newlines as jinja2 treats them; the expected outputs are jinja2's.
func TestNewlines(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a\r\n{% if true %}\r\nb\r\n  {% endif %}\r\nc\r\n", "a\nb\nc"},
		{"x\ry{{ \"1\r2\" }}\r", "x\ny1\n2"},
		{"q\n\n", "q\n"},
	}
	for _, tt := range tests {
		tpl, err := Parse(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := tpl.Render(nil, Options{}); err != nil || got != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
}

func TestChatMLFallback(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "templates", "chatml.jinja"))
	if err != nil {
		t.Fatal(err)
	}
	if string(src) != ChatMLSource {
		t.Fatalf("ChatMLSource differs from testdata/templates/chatml.jinja (whose golden file checks it)")
	}
	msgs := []Message{{Role: "system", Content: "Be kind."}, {Role: "user", Content: "Hi"}}
	tests := []struct {
		gen  bool
		want string
	}{
		{true, "<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"},
		{false, "<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"},
	}
	for _, tt := range tests {
		got, err := ChatML().Render(msgs, Options{AddGenerationPrompt: tt.gen})
		if err != nil || got != tt.want {
			t.Fatalf("ChatML gen=%v: %q, %v; want %q", tt.gen, got, err, tt.want)
		}
	}
}

func TestExtraValues(t *testing.T) {
	tpl, err := Parse("{{ a }} {{ b }} {{ c }} {{ d }} {{ e|tojson }} {{ f|tojson }} {{ g }} {{ h }}")
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Render(nil, Options{Extra: map[string]any{
		"a": true, "b": 3, "c": 2.5, "d": nil,
		"e": json.RawMessage(`{"z": 1, "a": [1.0, "x", null]}`),
		"f": map[string]any{"y": 1, "x": []any{"s", false}},
		"g": []string{"p", "q"}, "h": "text",
	}})
	want := `True 3 2.5 None {"z": 1, "a": [1.0, "x", null]} {"x": ["s", false], "y": 1} ['p', 'q'] text`
	if err != nil || out != want {
		t.Fatalf("got %q, %v\nwant %q", out, err, want)
	}
	if _, err := tpl.Render(nil, Options{Extra: map[string]any{"a": struct{}{}}}); err == nil {
		t.Fatal("unsupported Extra type accepted")
	}
	if _, err := tpl.Render(nil, Options{Tools: []json.RawMessage{json.RawMessage(`{"bad"`)}}); err == nil {
		t.Fatal("malformed tool JSON accepted")
	}
}

// Tool call arguments reach the template as a dict when they are a JSON
// object, and as the original string when a template can only use strings.
func TestToolCallArguments(t *testing.T) {
	msgs := []Message{{Role: "assistant", ToolCalls: []ToolCall{{ID: "c1",
		Function: FunctionCall{Name: "f", Arguments: `{"b": 1, "a": "x"}`}}}}}
	tests := []struct{ src, want string }{
		{"{{ messages[0].tool_calls[0].function.arguments|tojson }}", `{"b": 1, "a": "x"}`},
		{"{{ messages[0].tool_calls[0].function.arguments.a }}", "x"},
		{"{{ 'args: ' + messages[0].tool_calls[0].function.arguments }}", `args: {"b": 1, "a": "x"}`},
		{"{{ messages[0].tool_calls[0].type }} {{ messages[0].tool_calls[0].id }}", "function c1"},
	}
	for _, tt := range tests {
		tpl, err := Parse(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tpl.Render(msgs, Options{})
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
	// Not a JSON object: passed as the string.
	bad := []Message{{Role: "assistant", ToolCalls: []ToolCall{{Function: FunctionCall{Name: "f", Arguments: "not json"}}}}}
	tpl, _ := Parse("{{ messages[0].tool_calls[0].function.arguments|tojson }}")
	if got, err := tpl.Render(bad, Options{}); err != nil || got != `"not json"` {
		t.Errorf("non-JSON arguments: %q, %v", got, err)
	}
}

func TestFloatRepr(t *testing.T) {
	// Python's repr() of these floats.
	tests := []struct {
		f    float64
		want string
	}{
		{0.1, "0.1"}, {1.0, "1.0"}, {-2.5, "-2.5"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
		{1.5e-5, "1.5e-05"}, {0.0001, "0.0001"}, {123.456, "123.456"}, {1e300, "1e+300"},
		{2.5e-320, "2.5e-320"}, {0.30000000000000004, "0.30000000000000004"}, {123456789012345678, "1.2345678901234568e+17"},
	}
	for _, tt := range tests {
		if got := pyFloat(tt.f); got != tt.want {
			t.Errorf("pyFloat(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestConcurrentRender(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "templates", "qwen3-0.6b.jinja"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{{Role: "user", Content: "hi"}, {Role: "assistant", Content: "<think>x</think>hello"}, {Role: "user", Content: "again"}}
	want, err := tpl.Render(msgs, Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got, err := tpl.Render(msgs, Options{AddGenerationPrompt: true})
				if err != nil || got != want {
					t.Errorf("concurrent Render = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestGoldenCoversStringArguments(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "deepseek-r1-distill-qwen-32b.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden map[string]goldenResult
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	if !golden["tool_call_roundtrip"].StringArgs {
		t.Fatal("the DeepSeek golden no longer exercises the string-arguments retry")
	}
}

func BenchmarkRenderLlama33Tools(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "templates", "llama-3.3-70b-instruct.jinja"))
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := Parse(string(src))
	if err != nil {
		b.Fatal(err)
	}
	tools, cases := loadCasesB(b)
	var c goldenCase
	for _, cc := range cases {
		if cc.Name == "tool_call_roundtrip" {
			c = cc
		}
	}
	msgs, opts := c.inputs(b, tools)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(msgs, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func loadCasesB(b *testing.B) ([]json.RawMessage, []goldenCase) {
	data, err := os.ReadFile(filepath.Join("testdata", "cases.json"))
	if err != nil {
		b.Fatal(err)
	}
	var spec struct {
		Tools []json.RawMessage `json:"tools"`
		Cases []goldenCase      `json:"cases"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		b.Fatal(err)
	}
	return spec.Tools, spec.Cases
}
