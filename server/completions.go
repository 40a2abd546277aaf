package server

import (
	"encoding/json"
	"net/http"
)

type completionRequest struct {
	params
	Prompt   json.RawMessage `json:"prompt"`
	Logprobs *int            `json:"logprobs"` // legacy: the number of alternatives, 0 to 5
	Echo     bool            `json:"echo"`
}

type completionResponse struct {
	header
	Choices []completionChoice `json:"choices"`
	Usage   *usage             `json:"usage,omitempty"`
}

type completionChoice struct {
	Text         string              `json:"text"`
	Index        int                 `json:"index"`
	Logprobs     *completionLogprobs `json:"logprobs"`
	FinishReason *string             `json:"finish_reason"`
}

type completionLogprobs struct {
	Tokens        []string             `json:"tokens"`
	TokenLogprobs []float32            `json:"token_logprobs"`
	TopLogprobs   []map[string]float32 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
}

// promptTokens accepts a string, or a list of token ids, as the prompt.
func (s *Server) promptTokens(raw json.RawMessage) ([]int32, error) {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		if text == "" {
			return nil, invalid("prompt", "prompt must not be empty")
		}
		return s.cfg.Tokenizer.Encode(text, true, false), nil
	}
	var one []string
	if json.Unmarshal(raw, &one) == nil {
		if len(one) != 1 || one[0] == "" {
			return nil, invalid("prompt", "a prompt array must hold exactly one non-empty string (batched prompts: send one request each)")
		}
		return s.cfg.Tokenizer.Encode(one[0], true, false), nil
	}
	var ids []int32
	if json.Unmarshal(raw, &ids) == nil {
		if len(ids) == 0 {
			return nil, invalid("prompt", "prompt must not be empty")
		}
		for _, id := range ids {
			if id < 0 || int(id) >= s.cfg.Tokenizer.VocabSize() {
				return nil, invalid("prompt", "token %d is outside the vocabulary of %d", id, s.cfg.Tokenizer.VocabSize())
			}
		}
		return ids, nil
	}
	return nil, invalid("prompt", "prompt must be a string or an array of token ids")
}

func (s *Server) completionLogprobs(ts []tokenInfo, offset int) *completionLogprobs {
	lp := &completionLogprobs{Tokens: []string{}, TokenLogprobs: []float32{}, TopLogprobs: []map[string]float32{}, TextOffset: []int{}}
	for _, t := range ts {
		piece := string(s.cfg.Tokenizer.TokenPiece(t.id))
		lp.Tokens = append(lp.Tokens, piece)
		lp.TokenLogprobs = append(lp.TokenLogprobs, t.logprob)
		top := map[string]float32{}
		for _, a := range t.top {
			top[string(s.cfg.Tokenizer.TokenPiece(a.ID))] = a.Logprob
		}
		lp.TopLogprobs = append(lp.TopLogprobs, top)
		lp.TextOffset = append(lp.TextOffset, offset)
		offset += len(piece)
	}
	return lp
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if err := decode(r, &req); err != nil {
		writeErr(w, err)
		return
	}
	st, err := req.settings(s.cfg.Model)
	if err == nil && req.Logprobs != nil {
		if *req.Logprobs < 0 || *req.Logprobs > 5 {
			err = invalid("logprobs", "logprobs must be between 0 and 5")
		}
		st.logprobs, st.topLogprobs = true, *req.Logprobs
	}
	if err == nil && req.Echo {
		err = invalid("echo", "echo is not supported")
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	if len(req.Prompt) == 0 {
		writeErr(w, invalid("prompt", "prompt is required"))
		return
	}
	prompt, err := s.promptTokens(req.Prompt)
	if err != nil {
		writeErr(w, err)
		return
	}
	cs, err := s.submit(r.Context(), prompt, &st)
	if err != nil {
		writeErr(w, err)
		return
	}
	base := completionResponse{header: s.header("cmpl-"+randomID(), "text_completion")}
	if st.stream {
		out := newSSE(w)
		offsets := make([]int, st.n)
		results, err := s.runChoices(cs, &st, func(i int, p piece) error {
			if p.text == "" && len(p.tokens) == 0 {
				return nil
			}
			resp := base
			c := completionChoice{Text: p.text, Index: i}
			if st.logprobs {
				c.Logprobs = s.completionLogprobs(p.tokens, offsets[i])
			}
			offsets[i] += len(p.text)
			resp.Choices = []completionChoice{c}
			return out.send(resp)
		})
		if err != nil {
			out.send(map[string]apiError{"error": {Message: err.Error(), Type: "server_error"}})
			return
		}
		for i, res := range results {
			finish := res.finish
			resp := base
			resp.Choices = []completionChoice{{Index: i, FinishReason: &finish}}
			out.send(resp)
		}
		if st.includeUsage {
			resp := base
			resp.Choices = []completionChoice{}
			resp.Usage = sumUsage(results)
			out.send(resp)
		}
		out.done()
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
		finish := results[i].finish
		c := completionChoice{Text: texts[i], Index: i, FinishReason: &finish}
		if st.logprobs {
			c.Logprobs = s.completionLogprobs(toks[i], 0)
		}
		resp.Choices = append(resp.Choices, c)
	}
	writeJSON(w, http.StatusOK, resp)
}
