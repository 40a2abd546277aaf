package server

import (
	"context"
	"math/rand/v2"
	"strings"

	"github.com/tern-llm/tern/engine"
	"github.com/tern-llm/tern/sample"
)

func randomSeed() int64 { return rand.Int64() }

// tokenInfo is one generated token's log-probability data.
type tokenInfo struct {
	id      int32
	logprob float32
	top     []sample.TokenLogprob
}

// piece is text ready to send, with the tokens it came from.
type piece struct {
	text   string
	tokens []tokenInfo
}

// result is how a choice ended.
type result struct {
	finish                     string
	prompt, completion, cached int
}

// choice is one submitted generation of a request.
type choice struct {
	ctx    context.Context
	cancel context.CancelFunc
	stream *engine.Stream
	prompt int
}

// submit queues the request's n choices, each with its own seed derived from
// the request's (they share the prompt through the prefix cache). It fails
// before anything is sent to the client when the engine refuses one,
// cancelling the others.
func (s *Server) submit(ctx context.Context, prompt []int32, st *settings) ([]choice, error) {
	cs := make([]choice, 0, st.n)
	for i := range st.n {
		smp := st.sampling
		smp.Seed = sample.DeriveSeed(st.sampling.Seed, i)
		cctx, cancel := context.WithCancel(ctx)
		stream, err := s.eng.Submit(cctx, &engine.Request{
			Prompt: prompt, MaxTokens: st.maxTokens, Sampling: smp,
			Logprobs: st.logprobs, TopLogprobs: st.topLogprobs,
		})
		if err != nil {
			cancel()
			for _, c := range cs {
				c.cancel()
			}
			return nil, err
		}
		cs = append(cs, choice{ctx: cctx, cancel: cancel, stream: stream, prompt: len(prompt)})
	}
	return cs, nil
}

// generate runs one choice to its end: turns tokens into text with a
// streaming decoder and applies stop sequences. Text that could still be
// the start of a stop sequence is held back until it is not, so nothing
// sent is ever taken back. send is called with each piece; an error from it
// (a client gone) ends the choice, and its request is cancelled.
func (s *Server) generate(c choice, st *settings, send func(piece) error) (result, error) {
	defer c.cancel()
	ctx, stream := c.ctx, c.stream
	tok := s.cfg.Tokenizer
	dec := tok.NewDecoder()
	var held strings.Builder // decoded text not yet sent
	var heldTokens []tokenInfo
	res := result{prompt: c.prompt}
	flush := func(n int) error { // send the first n bytes of held
		if n == 0 && len(heldTokens) == 0 {
			return nil
		}
		h := held.String()
		p := piece{text: h[:n], tokens: heldTokens}
		held.Reset()
		held.WriteString(h[n:])
		heldTokens = nil
		return send(p)
	}
	for {
		ev, ok := stream.Next(ctx)
		if !ok {
			return res, ctx.Err()
		}
		if ev.Err != nil {
			return res, ev.Err
		}
		if ev.Token >= 0 {
			res.completion++
			if !tok.IsEOG(ev.Token) {
				held.WriteString(dec.Add(ev.Token))
				if st.logprobs {
					heldTokens = append(heldTokens, tokenInfo{id: ev.Token, logprob: ev.Logprob, top: ev.Top})
				}
			}
		}
		if ev.Finish != "" {
			held.WriteString(dec.Flush())
			res.finish, res.prompt, res.cached = ev.Finish, ev.PromptTokens, ev.CachedTokens
		}
		h := held.String()
		if i := firstStop(h, st.stops); i >= 0 {
			res.finish = engine.FinishStop
			held.Reset()
			held.WriteString(h[:i])
			return res, flush(i)
		}
		if res.finish != "" {
			return res, flush(len(h))
		}
		if err := flush(len(h) - stopPrefixLen(h, st.stops)); err != nil {
			return res, err
		}
	}
}

// firstStop is the index of the earliest stop sequence in s, or -1.
func firstStop(s string, stops []string) int {
	first := -1
	for _, st := range stops {
		if i := strings.Index(s, st); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	return first
}

// stopPrefixLen is the length of the longest suffix of s that begins some
// stop sequence: text that must be held back.
func stopPrefixLen(s string, stops []string) int {
	n := 0
	for _, st := range stops {
		for k := min(len(st)-1, len(s)); k > n; k-- {
			if strings.HasSuffix(s, st[:k]) {
				n = k
				break
			}
		}
	}
	return n
}

// fingerprint identifies the backend configuration in responses.
const fingerprint = "tern"

// randomID is a response id suffix.
func randomID() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 24)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}
