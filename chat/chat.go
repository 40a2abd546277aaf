// Package chat renders a model's chat template (the Jinja text of GGUF's
// tokenizer.chat_template, or tokenizer_config.json's chat_template) into a
// prompt, the way Hugging Face transformers' apply_chat_template does.
//
// It holds its own interpreter for the part of Jinja that chat templates use,
// with Python's semantics where templates depend on them (str(), ==, dict key
// order, string methods such as .strip() and .split(), tojson as
// json.dumps(ensure_ascii=False)), and jinja2's environment as transformers
// configures it: trim_blocks and lstrip_blocks on, loop controls
// (break/continue), namespace(), raise_exception(), strftime_now(), and the
// {% generation %} tag. It does not support template inheritance, include or
// import, call blocks, recursive loops, or autoescaping.
//
// Rendering is bounded: Options.MaxOutput caps the prompt size and
// Options.MaxSteps the number of evaluation steps, so a template that loops
// forever or explodes returns an error wrapping ErrLimit instead of hanging.
//
// The package knows nothing of GGUF or models: the caller passes the template
// text and the special token strings. It imports only the standard library.
package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Message is one chat message as an OpenAI-style client sends it.
type Message struct {
	Role    string
	Content string
	// Parts, when not empty, replace Content: the template sees content as
	// a list of {"type": ..., "text": ...} dicts, as OpenAI clients send
	// multi-part content (templates such as Mistral Small 3.1's and GLM's
	// accept it; many others fail on it as they do in transformers).
	Parts []ContentPart
	// Name is the optional participant or tool name.
	Name string
	// ToolCalls are the calls an assistant message made.
	ToolCalls []ToolCall
	// ToolCallID links a "tool" message to the call it answers.
	ToolCallID string
	// ReasoningContent is an assistant's separated reasoning (Qwen3 and
	// DeepSeek-R1 style templates read it).
	ReasoningContent string
}

// ContentPart is one part of a multi-part message content.
type ContentPart struct {
	Type string // "text" when empty
	Text string
}

// ToolCall is one function call made by the assistant.
type ToolCall struct {
	ID       string
	Type     string // "function" when empty
	Function FunctionCall
}

// FunctionCall names the function and carries its arguments as a JSON text.
type FunctionCall struct {
	Name      string
	Arguments string
}

// Options are the per-request inputs of Render.
type Options struct {
	BOSToken, EOSToken string
	// AddGenerationPrompt appends the assistant header so the model answers.
	AddGenerationPrompt bool
	// Tools are OpenAI tool definitions, each a JSON object such as
	// {"type":"function","function":{"name":...,"parameters":{...}}}; key
	// order is kept. None given means the template sees tools = None.
	Tools []json.RawMessage
	// Extra holds further template variables (enable_thinking, date_string,
	// other special tokens...). Values may be nil, bool, ints, floats,
	// strings, []any, []string, map[string]any (keys sorted) or
	// json.RawMessage (decoded, key order kept).
	Extra map[string]any
	// Now is the clock of strftime_now; nil means time.Now.
	Now func() time.Time
	// MaxOutput bounds the rendered prompt in bytes (default DefaultMaxOutput).
	MaxOutput int
	// MaxSteps bounds evaluation steps (default DefaultMaxSteps).
	MaxSteps int
}

const (
	// DefaultMaxOutput is 16 MiB: far above any context window's worth of
	// text (1M tokens are ~4 MiB), small enough to fail fast on a runaway.
	DefaultMaxOutput = 16 << 20
	// DefaultMaxSteps is ~100x what a long real conversation needs; real
	// templates take well under 10 steps per output byte.
	DefaultMaxSteps = 10_000_000
)

// Template is a parsed chat template. It is immutable and safe for
// concurrent use by multiple goroutines.
type Template struct {
	body []stmt
}

// Parse compiles a chat template. Syntax errors are *SyntaxError with the
// line.
func Parse(src string) (*Template, error) {
	body, err := parse(src)
	if err != nil {
		return nil, err
	}
	return &Template{body: body}, nil
}

// ChatMLSource is the template used when a model has none: ChatML, as
// transformers' and llama.cpp's default.
const ChatMLSource = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

var chatML = func() *Template {
	t, err := Parse(ChatMLSource)
	if err != nil {
		panic("chat: built-in ChatML template does not parse: " + err.Error())
	}
	return t
}()

// ChatML returns the fallback template for models without a chat template.
func ChatML() *Template { return chatML }

// Render renders the conversation.
//
// Tool call arguments are passed to the template as parsed JSON objects
// (what transformers and vLLM pass, and what templates such as Qwen's and
// Llama 3's "| tojson" expect), and multi-part contents as lists. If
// rendering fails for a reason other than raise_exception or a limit, it is
// retried with the arguments as JSON strings (what templates that
// concatenate them, such as DeepSeek's, need), then with the text parts
// joined into one string, then with both; the first success is returned, or
// else the first error.
//
// Errors: *RaiseError when the template calls raise_exception (for example
// on roles it does not support), an error wrapping ErrLimit when a bound is
// hit, and other errors naming the template line.
func (t *Template) Render(msgs []Message, opts Options) (string, error) {
	calls, parts := hasToolCalls(msgs), hasParts(msgs)
	var firstErr error
	for _, v := range []struct{ stringArgs, flatParts, try bool }{
		{false, false, true},
		{true, false, calls},
		{false, true, parts},
		{true, true, calls && parts},
	} {
		if !v.try {
			continue
		}
		out, err := t.render(msgs, opts, v.stringArgs, v.flatParts)
		if err == nil {
			return out, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		var re *RaiseError
		if errors.As(err, &re) || errors.Is(err, ErrLimit) {
			return "", err
		}
	}
	return "", firstErr
}

func hasToolCalls(msgs []Message) bool {
	for _, m := range msgs {
		if len(m.ToolCalls) > 0 {
			return true
		}
	}
	return false
}

func hasParts(msgs []Message) bool {
	for _, m := range msgs {
		if len(m.Parts) > 0 {
			return true
		}
	}
	return false
}

func (t *Template) render(msgs []Message, opts Options, stringArgs, flatParts bool) (string, error) {
	r := &runner{now: opts.Now, maxOut: opts.MaxOutput, maxSteps: opts.MaxSteps}
	if r.now == nil {
		r.now = time.Now
	}
	if r.maxOut <= 0 {
		r.maxOut = DefaultMaxOutput
	}
	if r.maxSteps <= 0 {
		r.maxSteps = DefaultMaxSteps
	}
	globals := newScope(nil)
	r.installGlobals(globals)
	sc := newScope(globals)
	for k, v := range opts.Extra {
		tv, err := fromGo(v)
		if err != nil {
			return "", fmt.Errorf("chat: Extra[%q]: %w", k, err)
		}
		sc.set(k, tv)
	}
	messages := make([]any, len(msgs))
	for i, m := range msgs {
		messages[i] = messageValue(m, stringArgs, flatParts)
	}
	sc.set("messages", newList(messages))
	var tools any = pyNone
	if len(opts.Tools) > 0 {
		items := make([]any, len(opts.Tools))
		for i, raw := range opts.Tools {
			v, err := decodeJSON(raw)
			if err != nil {
				return "", fmt.Errorf("chat: tool %d: %w", i, err)
			}
			items[i] = v
		}
		tools = newList(items)
	}
	sc.set("tools", tools)
	sc.set("documents", pyNone)
	sc.set("add_generation_prompt", opts.AddGenerationPrompt)
	sc.set("bos_token", opts.BOSToken)
	sc.set("eos_token", opts.EOSToken)
	var out output
	if _, err := r.exec(t.body, sc, &out); err != nil {
		return "", err
	}
	return out.b.String(), nil
}

// messageValue builds the dict a template sees for a message: role and
// content always (content "" when empty, a list when Parts are given), the
// other keys only when set, in
// the order a client would send them.
func messageValue(m Message, stringArgs, flatParts bool) *dict {
	d := newDict()
	d.setStr("role", m.Role)
	switch {
	case len(m.Parts) > 0 && flatParts:
		var b strings.Builder
		for _, p := range m.Parts {
			b.WriteString(p.Text)
		}
		d.setStr("content", b.String())
	case len(m.Parts) > 0:
		parts := make([]any, len(m.Parts))
		for i, p := range m.Parts {
			pd := newDict()
			typ := p.Type
			if typ == "" {
				typ = "text"
			}
			pd.setStr("type", typ)
			pd.setStr("text", p.Text)
			parts[i] = pd
		}
		d.setStr("content", newList(parts))
	default:
		d.setStr("content", m.Content)
	}
	if m.Name != "" {
		d.setStr("name", m.Name)
	}
	if m.ReasoningContent != "" {
		d.setStr("reasoning_content", m.ReasoningContent)
	}
	if len(m.ToolCalls) > 0 {
		calls := make([]any, len(m.ToolCalls))
		for i, c := range m.ToolCalls {
			cd := newDict()
			if c.ID != "" {
				cd.setStr("id", c.ID)
			}
			typ := c.Type
			if typ == "" {
				typ = "function"
			}
			cd.setStr("type", typ)
			fd := newDict()
			fd.setStr("name", c.Function.Name)
			var args any = c.Function.Arguments
			if !stringArgs {
				if v, err := decodeJSON([]byte(c.Function.Arguments)); err == nil {
					if _, isObj := v.(*dict); isObj {
						args = v
					}
				}
			}
			fd.setStr("arguments", args)
			cd.setStr("function", fd)
			calls[i] = cd
		}
		d.setStr("tool_calls", newList(calls))
	}
	if m.ToolCallID != "" {
		d.setStr("tool_call_id", m.ToolCallID)
	}
	return d
}

// fromGo converts an Extra value to a template value.
func fromGo(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return pyNone, nil
	case bool, string, int64, float64:
		return v, nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case float32:
		return float64(v), nil
	case json.RawMessage:
		return decodeJSON(v)
	case []string:
		items := make([]any, len(v))
		for i, s := range v {
			items[i] = s
		}
		return newList(items), nil
	case []any:
		items := make([]any, len(v))
		for i, x := range v {
			tv, err := fromGo(x)
			if err != nil {
				return nil, err
			}
			items[i] = tv
		}
		return newList(items), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		d := newDict()
		for _, k := range keys {
			tv, err := fromGo(v[k])
			if err != nil {
				return nil, err
			}
			d.setStr(k, tv)
		}
		return d, nil
	}
	return nil, fmt.Errorf("unsupported type %T", v)
}
