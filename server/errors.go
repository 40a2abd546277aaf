package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/tern-llm/tern/engine"
)

// apiError is OpenAI's error object.
type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	e := apiError{Message: msg, Type: typ}
	if code != "" {
		e.Code = &code
	}
	writeJSON(w, status, map[string]apiError{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// badRequest is a client error found while reading a request.
type badRequest struct {
	param, code, msg string
}

func (e *badRequest) Error() string { return e.msg }

func invalid(param, format string, args ...any) error {
	return &badRequest{param: param, msg: fmt.Sprintf(format, args...)}
}

// retryAfter is what a client is told to wait when the queue is full.
const retryAfter = 1 // second

// writeErr maps an error to OpenAI's status and error object.
func writeErr(w http.ResponseWriter, err error) {
	var br *badRequest
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &br):
		e := apiError{Message: br.msg, Type: "invalid_request_error"}
		if br.param != "" {
			e.Param = &br.param
		}
		if br.code != "" {
			e.Code = &br.code
		}
		writeJSON(w, http.StatusBadRequest, map[string]apiError{"error": e})
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large",
			"request body larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	case errors.Is(err, engine.ErrTooLong):
		writeError(w, http.StatusBadRequest, "invalid_request_error", "context_length_exceeded", err.Error())
	case errors.Is(err, engine.ErrQueueFull):
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		writeError(w, http.StatusServiceUnavailable, "server_error", "queue_full", "the server is busy; retry later")
	case errors.Is(err, engine.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "server_error", "shutting_down", "the server is shutting down")
	default:
		writeError(w, http.StatusInternalServerError, "server_error", "", err.Error())
	}
}
