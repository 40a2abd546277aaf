package server

import (
	"encoding/json"
	"net/http"
	"sync"
)

// sse writes server-sent events as OpenAI streams them: "data: {json}\n\n"
// per chunk, then "data: [DONE]\n\n". It is safe for the goroutines of
// several choices.
type sse struct {
	mu  sync.Mutex
	w   http.ResponseWriter
	f   http.Flusher
	err error
}

func newSSE(w http.ResponseWriter) *sse {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &sse{w: w, f: f}
}

func (s *sse) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.raw(b)
}

func (s *sse) raw(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, err := s.w.Write([]byte("data: ")); err != nil {
		s.err = err
		return err
	}
	s.w.Write(b)
	if _, err := s.w.Write([]byte("\n\n")); err != nil {
		s.err = err
		return err
	}
	if s.f != nil {
		s.f.Flush()
	}
	return nil
}

func (s *sse) done() { s.raw([]byte("[DONE]")) }
