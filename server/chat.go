package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tern-llm/tern/chat"
)

type chatRequest struct {
	params
	Messages    []chatMessage     `json:"messages"`
	Logprobs    bool              `json:"logprobs"`
	TopLogprobs *int              `json:"top_logprobs"`
	Tools       []json.RawMessage `json:"tools"`
}

type chatMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	ToolCalls  []toolCall      `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
}

type toolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// text returns a message's content: a string, or the text parts of an array.
func (m *chatMessage) text(i int) (string, error) {
	if len(m.Content) == 0 || string(m.Content) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", invalid(fmt.Sprintf("messages[%d].content", i), "content must be a string or an array of parts")
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return "", invalid(fmt.Sprintf("messages[%d].content", i), "content part of type %q is not supported (text only)", p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}

// chatPrompt renders the conversation with the model's template and tokenizes it.
func (s *Server) chatPrompt(req *chatRequest) ([]int32, error) {
	if len(req.Messages) == 0 {
		return nil, invalid("messages", "messages must not be empty")
	}
	msgs := make([]chat.Message, len(req.Messages))
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool":
		default:
			return nil, invalid(fmt.Sprintf("messages[%d].role", i), "unknown role %q", m.Role)
		}
		text, err := m.text(i)
		if err != nil {
			return nil, err
		}
		role := m.Role
		if role == "developer" {
			role = "system"
		}
		msgs[i] = chat.Message{Role: role, Content: text, Name: m.Name, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			msgs[i].ToolCalls = append(msgs[i].ToolCalls, chat.ToolCall{ID: tc.ID, Type: tc.Type,
				Function: chat.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}})
		}
	}
	tok := s.cfg.Tokenizer
	opts := chat.Options{AddGenerationPrompt: true, Tools: req.Tools}
	if id, ok := tok.BOS(); ok {
		opts.BOSToken = string(tok.TokenPiece(id))
	}
	if id, ok := tok.EOS(); ok {
		opts.EOSToken = string(tok.TokenPiece(id))
	}
	text, err := s.cfg.Template.Render(msgs, opts)
	if err != nil {
		var re *chat.RaiseError
		if errors.As(err, &re) {
			return nil, invalid("messages", "the chat template refused the conversation: %v", err)
		}
		return nil, fmt.Errorf("chat template: %w", err)
	}
	// The template writes the special tokens (BOS included) as text.
	return tok.Encode(text, false, true), nil
}

// Response shapes.
// header is the part of every response object that names it.
type header struct {
	ID                string `json:"id"`
	Object            string `json:"object"`
	Created           int64  `json:"created"`
	Model             string `json:"model"`
	SystemFingerprint string `json:"system_fingerprint"`
}

func (s *Server) header(id, object string) header {
	return header{ID: id, Object: object, Created: time.Now().Unix(), Model: s.cfg.Model, SystemFingerprint: fingerprint}
}

type chatResponse struct {
	header
	Choices []chatChoice `json:"choices"`
	Usage   *usage       `json:"usage,omitempty"`
}

type chatChoice struct {
	Index        int           `json:"index"`
	Message      *assistantMsg `json:"message,omitempty"`
	Delta        *assistantMsg `json:"delta,omitempty"`
	Logprobs     *chatLogprobs `json:"logprobs"`
	FinishReason *string       `json:"finish_reason"`
}

type assistantMsg struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
	Refusal *string `json:"refusal,omitempty"`
}

type chatLogprobs struct {
	Content []tokenLogprob `json:"content"`
}

type tokenLogprob struct {
	Token       string         `json:"token"`
	Logprob     float32        `json:"logprob"`
	Bytes       []int          `json:"bytes"`
	TopLogprobs []tokenLogprob `json:"top_logprobs,omitempty"`
}

type usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
}

func (s *Server) tokenLogprobs(ts []tokenInfo) []tokenLogprob {
	out := make([]tokenLogprob, 0, len(ts))
	for _, t := range ts {
		lp := s.tokenLogprob(t.id, t.logprob)
		lp.TopLogprobs = make([]tokenLogprob, 0, len(t.top))
		for _, alt := range t.top {
			lp.TopLogprobs = append(lp.TopLogprobs, s.tokenLogprob(alt.ID, alt.Logprob))
		}
		out = append(out, lp)
	}
	return out
}

func (s *Server) tokenLogprob(id int32, lp float32) tokenLogprob {
	b := s.cfg.Tokenizer.TokenPiece(id)
	bs := make([]int, len(b))
	for i, c := range b {
		bs[i] = int(c)
	}
	return tokenLogprob{Token: string(b), Logprob: lp, Bytes: bs}
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := decode(r, &req); err != nil {
		writeErr(w, err)
		return
	}
	st, err := req.settings(s.cfg.Model)
	if err == nil {
		st.logprobs = req.Logprobs
		if req.TopLogprobs != nil {
			if !req.Logprobs || *req.TopLogprobs < 0 || *req.TopLogprobs > maxTopLogprobs {
				err = invalid("top_logprobs", "top_logprobs needs logprobs: true and must be between 0 and %d", maxTopLogprobs)
			} else {
				st.topLogprobs = *req.TopLogprobs
			}
		}
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	prompt, err := s.chatPrompt(&req)
	if err != nil {
		writeErr(w, err)
		return
	}
	id := "chatcmpl-" + randomID()
	base := chatResponse{header: s.header(id, "chat.completion")}
	cs, err := s.submit(r.Context(), prompt, &st)
	if err != nil {
		writeErr(w, err)
		return
	}
	if st.stream {
		s.streamChat(w, cs, &st, base)
		return
	}
	texts, toks, results, err := s.collect(cs, &st)
	if err != nil {
		writeErr(w, err)
		return
	}
	resp := base
	resp.Usage = sumUsage(results)
	for i := range st.n {
		text, finish := texts[i], results[i].finish
		c := chatChoice{Index: i, Message: &assistantMsg{Role: "assistant", Content: &text}, FinishReason: &finish}
		if st.logprobs {
			c.Logprobs = &chatLogprobs{Content: s.tokenLogprobs(toks[i])}
		}
		resp.Choices = append(resp.Choices, c)
	}
	writeJSON(w, http.StatusOK, resp)
}

// streamChat sends the role delta first, content deltas as they come, a
// finish chunk per choice, the usage chunk when asked, and [DONE].
func (s *Server) streamChat(w http.ResponseWriter, cs []choice, st *settings, base chatResponse) {
	out := newSSE(w)
	base.Object = "chat.completion.chunk"
	chunk := func(c chatChoice) error {
		resp := base
		resp.Choices = []chatChoice{c}
		return out.send(resp)
	}
	for i := range st.n {
		empty := ""
		chunk(chatChoice{Index: i, Delta: &assistantMsg{Role: "assistant", Content: &empty}})
	}
	results, err := s.runChoices(cs, st, func(i int, p piece) error {
		if p.text == "" && len(p.tokens) == 0 {
			return nil
		}
		text := p.text
		c := chatChoice{Index: i, Delta: &assistantMsg{Content: &text}}
		if st.logprobs {
			c.Logprobs = &chatLogprobs{Content: s.tokenLogprobs(p.tokens)}
		}
		return chunk(c)
	})
	if err != nil {
		out.send(map[string]apiError{"error": {Message: err.Error(), Type: "server_error"}})
		return
	}
	for i, res := range results {
		finish := res.finish
		chunk(chatChoice{Index: i, Delta: &assistantMsg{}, FinishReason: &finish})
	}
	if st.includeUsage {
		resp := base
		resp.Choices = []chatChoice{}
		resp.Usage = sumUsage(results)
		out.send(resp)
	}
	out.done()
}

// runChoices runs submitted choices at once and waits for them.
func (s *Server) runChoices(cs []choice, st *settings, send func(int, piece) error) ([]result, error) {
	results := make([]result, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.generate(c, st, func(p piece) error { return send(i, p) })
		}()
	}
	wg.Wait()
	return results, errors.Join(errs...)
}

// collect runs the choices of a non-streamed response and returns each
// one's text and tokens.
func (s *Server) collect(cs []choice, st *settings) ([]string, [][]tokenInfo, []result, error) {
	texts := make([]strings.Builder, len(cs))
	toks := make([][]tokenInfo, len(cs))
	results, err := s.runChoices(cs, st, func(i int, p piece) error {
		texts[i].WriteString(p.text)
		toks[i] = append(toks[i], p.tokens...)
		return nil
	})
	out := make([]string, len(cs))
	for i := range texts {
		out[i] = texts[i].String()
	}
	return out, toks, results, err
}

func sumUsage(rs []result) *usage {
	u := &usage{}
	for i, r := range rs {
		if i == 0 {
			u.PromptTokens = r.prompt
			u.PromptTokensDetails.CachedTokens = r.cached
		}
		u.CompletionTokens += r.completion
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}
