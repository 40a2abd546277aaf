package chat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The golden files are Python jinja2's renderings of the real templates in
// testdata/templates for the conversations in testdata/cases.json, made by
// testdata/gen.py with transformers' environment. Render must match them
// byte for byte, fail where they fail, and raise where they raise.

type caseMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  []struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Function struct {
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		} `json:"function"`
	} `json:"tool_calls"`
}

type goldenCase struct {
	Name                string                     `json:"name"`
	AddGenerationPrompt bool                       `json:"add_generation_prompt"`
	WithTools           bool                       `json:"with_tools"`
	Extra               map[string]json.RawMessage `json:"extra"`
	Messages            []caseMessage              `json:"messages"`
}

type goldenResult struct {
	Output     *string `json:"output"`
	Raise      *string `json:"raise"`
	Error      *string `json:"error"`
	StringArgs bool    `json:"string_args"`
}

// goldenNow is gen.py's NOW.
var goldenNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func loadCases(t *testing.T) ([]json.RawMessage, []goldenCase) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Tools []json.RawMessage `json:"tools"`
		Cases []goldenCase      `json:"cases"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	return spec.Tools, spec.Cases
}

func (c goldenCase) inputs(tb testing.TB, tools []json.RawMessage) ([]Message, Options) {
	tb.Helper()
	msgs := make([]Message, len(c.Messages))
	for i, m := range c.Messages {
		msg := Message{Role: m.Role, Name: m.Name, ToolCallID: m.ToolCallID}
		if len(m.Content) > 0 && m.Content[0] == '[' {
			if err := json.Unmarshal(m.Content, &msg.Parts); err != nil {
				tb.Fatal(err)
			}
		} else if len(m.Content) > 0 && string(m.Content) != "null" {
			if err := json.Unmarshal(m.Content, &msg.Content); err != nil {
				tb.Fatal(err)
			}
		}
		for _, tc := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: tc.ID, Type: tc.Type,
				Function: FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}})
		}
		msgs[i] = msg
	}
	opts := Options{BOSToken: "<s>", EOSToken: "</s>", AddGenerationPrompt: c.AddGenerationPrompt,
		Now: func() time.Time { return goldenNow }}
	if c.WithTools {
		opts.Tools = tools
	}
	if len(c.Extra) > 0 {
		opts.Extra = map[string]any{}
		for k, v := range c.Extra {
			opts.Extra[k] = v
		}
	}
	return msgs, opts
}

func TestGolden(t *testing.T) {
	tools, cases := loadCases(t)
	files, err := filepath.Glob(filepath.Join("testdata", "templates", "*.jinja"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	sort.Strings(files)
	pass, total := 0, 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".jinja")
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		gdata, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var golden map[string]goldenResult
		if err := json.Unmarshal(gdata, &golden); err != nil {
			t.Fatal(err)
		}
		tpl, err := Parse(string(src))
		if err != nil {
			t.Errorf("%s: Parse: %v", name, err)
			continue
		}
		for _, c := range cases {
			want, ok := golden[c.Name]
			if !ok {
				t.Errorf("%s/%s: no golden result (rerun testdata/gen.py)", name, c.Name)
				continue
			}
			total++
			t.Run(name+"/"+c.Name, func(t *testing.T) {
				msgs, opts := c.inputs(t, tools)
				got, err := tpl.Render(msgs, opts)
				switch {
				case want.Output != nil:
					if err != nil {
						t.Fatalf("Render: %v", err)
					}
					if got != *want.Output {
						t.Fatalf("output differs\n got: %q\nwant: %q", got, *want.Output)
					}
				case want.Raise != nil:
					var re *RaiseError
					if !errors.As(err, &re) {
						t.Fatalf("want raise_exception(%q), got output %q, err %v", *want.Raise, got, err)
					}
					if re.Message != *want.Raise {
						t.Fatalf("raise message %q, want %q", re.Message, *want.Raise)
					}
				default:
					if err == nil {
						t.Fatalf("want an error like jinja2's %q, got output %q", *want.Error, got)
					}
				}
				pass++
			})
		}
	}
	t.Logf("golden: %d of %d (template x case) renderings match jinja2", pass, total)
}
