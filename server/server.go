// Package server is Tern's OpenAI-compatible HTTP API: chat and text
// completions (streamed as server-sent events or whole), the model list,
// health and Prometheus metrics. Handlers only translate between OpenAI's
// JSON and the engine's requests and events; scheduling, batching and
// sampling live in engine.
//
// It imports engine, tokenizer, chat and sample.
package server

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tern-llm/tern/chat"
	"github.com/tern-llm/tern/engine"
	"github.com/tern-llm/tern/tokenizer"
)

// DefaultPort is where `tern serve` listens unless told otherwise
// (llama.cpp's server uses 8080; Ollama 11434; Tern picks its own).
const DefaultPort = 8411

// MaxBodyBytes bounds a request body: far above any prompt a context window
// holds (a 1M-token prompt is ~4 MiB of text), small enough to refuse abuse.
const MaxBodyBytes = 16 << 20

// Config is what the server needs besides the engine.
type Config struct {
	Model     string // the model's name in the API
	Tokenizer *tokenizer.Tokenizer
	Template  *chat.Template // nil: ChatML
	APIKey    string         // when set, every request needs "Authorization: Bearer <key>"
	Log       *slog.Logger
	Created   time.Time // the model's "created" time in /v1/models
}

// Server serves the API over one engine.
type Server struct {
	cfg Config
	eng *engine.Engine
	mux *http.ServeMux
}

// New returns the server's handler.
func New(eng *engine.Engine, cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Template == nil {
		cfg.Template = chat.ChatML()
	}
	if cfg.Created.IsZero() {
		cfg.Created = time.Now()
	}
	s := &Server{cfg: cfg, eng: eng, mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /v1/chat/completions", s.chatCompletions)
	s.mux.HandleFunc("POST /v1/completions", s.completions)
	s.mux.HandleFunc("GET /v1/models", s.models)
	s.mux.HandleFunc("GET /v1/models/{id...}", s.model)
	s.mux.HandleFunc("GET /health", s.health)
	s.mux.HandleFunc("GET /metrics", s.metrics)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "invalid_request_error", "not_found", "no route for "+r.Method+" "+r.URL.Path)
	})
	return s
}

// ServeHTTP authenticates, bounds the body, logs, and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.cfg.Log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond), "remote", r.RemoteAddr)
	}()
	if s.cfg.APIKey != "" && r.URL.Path != "/health" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.APIKey)) != 1 {
			writeError(rec, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "missing or invalid API key")
			return
		}
	}
	r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
	s.mux.ServeHTTP(rec, r)
}

// statusWriter remembers the status for the request log and passes Flush on.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type modelObject struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

func (s *Server) modelObject() modelObject {
	return modelObject{ID: s.cfg.Model, Object: "model", Created: s.cfg.Created.Unix(), OwnedBy: "tern"}
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []modelObject{s.modelObject()}})
}

func (s *Server) model(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != s.cfg.Model {
		writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "the model '"+r.PathValue("id")+"' does not exist")
		return
	}
	writeJSON(w, http.StatusOK, s.modelObject())
}
