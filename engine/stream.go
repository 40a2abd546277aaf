package engine

import (
	"context"
	"sync"

	"github.com/tern-llm/tern/sample"
)

// Finish reasons, as OpenAI names them.
const (
	FinishStop   = "stop"   // an end-of-generation token
	FinishLength = "length" // max tokens or the context's end
)

// Event is one generated token, or the end of a request.
type Event struct {
	Token   int32
	Logprob float32               // log-probability of Token (when Request.Logprobs)
	Top     []sample.TokenLogprob // the most likely alternatives (Request.TopLogprobs of them)
	// Finish is set on the last event: FinishStop or FinishLength. The last
	// event of a stopped request carries its final token, or none (Token -1)
	// when the request ended without one.
	Finish string
	Err    error // set when the request failed; the event is the last
	// Usage, on the last event.
	PromptTokens, CompletionTokens, CachedTokens int
}

// Stream delivers a request's events in order. The engine never blocks on
// a slow reader: events queue up in the stream.
type Stream struct {
	mu     sync.Mutex
	events []Event
	ready  chan struct{} // has a value when events is not empty or closed
	closed bool
}

func newStream() *Stream { return &Stream{ready: make(chan struct{}, 1)} }

func (s *Stream) push(e Event, last bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.events = append(s.events, e)
	s.closed = last
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Next returns the next event; ok is false after the last one has been
// returned, or when ctx is done.
func (s *Stream) Next(ctx context.Context) (e Event, ok bool) {
	for {
		s.mu.Lock()
		if len(s.events) > 0 {
			e = s.events[0]
			s.events = s.events[1:]
			s.mu.Unlock()
			return e, true
		}
		done := s.closed
		s.mu.Unlock()
		if done {
			return Event{}, false
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return Event{}, false
		}
	}
}
