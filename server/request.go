package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"

	"github.com/tern-llm/tern/sample"
)

// Limits of the request fields OpenAI documents.
const (
	maxStops       = 4  // stop sequences
	maxN           = 16 // choices per request (OpenAI allows 128; each is a sequence in the batch)
	maxTopLogprobs = 20
)

// params are the generation fields common to chat and text completions.
type params struct {
	Model               string          `json:"model"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float32        `json:"temperature"`
	TopP                *float32        `json:"top_p"`
	TopK                *int            `json:"top_k"` // extension, as vLLM and llama.cpp accept
	MinP                *float32        `json:"min_p"` // extension
	RepeatPenalty       *float32        `json:"repetition_penalty"`
	Seed                *int64          `json:"seed"`
	N                   *int            `json:"n"`
	PresencePenalty     *float32        `json:"presence_penalty"`
	FrequencyPenalty    *float32        `json:"frequency_penalty"`
	Stop                json.RawMessage `json:"stop"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// decode reads a JSON body into v, with errors a client can act on. Like
// OpenAI's and llama.cpp's servers it reads the body as JSON whatever the
// Content-Type says (curl -d sends form encoding by default).
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return invalid("", "reading the body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(te.Field, "%s must be %s, not %s", te.Field, te.Type, te.Value)
		}
		return invalid("", "the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return invalid("", "the body holds more than one JSON value")
	}
	return nil
}

// settings are validated generation settings.
type settings struct {
	maxTokens    int // 0: until the context ends
	sampling     sample.Params
	n            int
	stops        []string
	stream       bool
	includeUsage bool
	logprobs     bool
	topLogprobs  int
}

func (p *params) settings(model string) (settings, error) {
	var s settings
	if p.Model != "" && p.Model != model {
		return s, &badRequest{param: "model", code: "model_not_found", msg: fmt.Sprintf("the model %q does not exist; this server serves %q", p.Model, model)}
	}
	mt := p.MaxTokens
	if p.MaxCompletionTokens != nil {
		mt = p.MaxCompletionTokens
	}
	if mt != nil {
		if *mt < 1 {
			return s, invalid("max_tokens", "max_tokens must be at least 1, not %d", *mt)
		}
		s.maxTokens = *mt
	}
	s.sampling = sample.Params{Temperature: 1, TopP: 1}
	if p.Temperature != nil {
		if *p.Temperature < 0 || *p.Temperature > 2 {
			return s, invalid("temperature", "temperature must be between 0 and 2, not %g", *p.Temperature)
		}
		s.sampling.Temperature = *p.Temperature
	}
	if p.TopP != nil {
		if !(*p.TopP > 0 && *p.TopP <= 1) {
			return s, invalid("top_p", "top_p must be in (0, 1], not %g", *p.TopP)
		}
		s.sampling.TopP = *p.TopP
	}
	if p.TopK != nil {
		if *p.TopK < 0 {
			return s, invalid("top_k", "top_k must not be negative")
		}
		s.sampling.TopK = *p.TopK
	}
	if p.MinP != nil {
		if *p.MinP < 0 || *p.MinP > 1 {
			return s, invalid("min_p", "min_p must be between 0 and 1")
		}
		s.sampling.MinP = *p.MinP
	}
	if p.RepeatPenalty != nil {
		if *p.RepeatPenalty <= 0 {
			return s, invalid("repetition_penalty", "repetition_penalty must be positive")
		}
		s.sampling.RepeatPenalty = *p.RepeatPenalty
	}
	for _, f := range []struct {
		name string
		v    *float32
		dst  *float32
	}{{"presence_penalty", p.PresencePenalty, &s.sampling.PresencePenalty}, {"frequency_penalty", p.FrequencyPenalty, &s.sampling.FrequencyPenalty}} {
		if f.v != nil {
			if *f.v < -2 || *f.v > 2 || math.IsNaN(float64(*f.v)) {
				return s, invalid(f.name, "%s must be between -2 and 2, not %g", f.name, *f.v)
			}
			*f.dst = *f.v
		}
	}
	if p.Seed != nil {
		s.sampling.Seed = uint64(*p.Seed)
	} else {
		s.sampling.Seed = uint64(randomSeed())
	}
	s.n = 1
	if p.N != nil {
		if *p.N < 1 || *p.N > maxN {
			return s, invalid("n", "n must be between 1 and %d, not %d", maxN, *p.N)
		}
		s.n = *p.N
	}
	stops, err := parseStop(p.Stop)
	if err != nil {
		return s, err
	}
	s.stops = stops
	s.stream = p.Stream
	if p.StreamOptions != nil {
		if !p.Stream {
			return s, invalid("stream_options", "stream_options is only allowed when stream is true")
		}
		s.includeUsage = p.StreamOptions.IncludeUsage
	}
	if err := s.sampling.Validate(); err != nil {
		return s, invalid("", "%v", err)
	}
	return s, nil
}

// parseStop accepts null, a string, or an array of up to four strings.
func parseStop(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, invalid("stop", "stop must be a string or an array of strings")
	}
	if len(many) > maxStops {
		return nil, invalid("stop", "at most %d stop sequences, not %d", maxStops, len(many))
	}
	out := many[:0]
	for _, s := range many {
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}
