// Package servetest starts Tern's OpenAI-compatible server over loopback on
// the stories260K test model, for the server's tests and the SDK tests.
package servetest

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/tern-llm/tern/engine"
	"github.com/tern-llm/tern/internal/testmodel"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/server"
	"github.com/tern-llm/tern/tokenizer"
)

// Model is the name the test server gives its model.
const Model = "stories260K"

// Start serves stories260K (F32) with an engine of 64 KV blocks of 16
// tokens; everything is torn down when the test ends.
func Start(t testing.TB, cfg engine.Config, apiKey string) (*httptest.Server, *engine.Engine) {
	return start(t, cfg, apiKey, true)
}

// StartStopped is Start with the engine's loop not running: requests queue
// and never finish, for tests of a full queue.
func StartStopped(t testing.TB, cfg engine.Config) (*httptest.Server, *engine.Engine) {
	return start(t, cfg, "", false)
}

func start(t testing.TB, cfg engine.Config, apiKey string, run bool) (*httptest.Server, *engine.Engine) {
	t.Helper()
	f, m := testmodel.Load(t, nil, "stories260K", "stories260K-f32.gguf")
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := m.NewCache(64, 16, quant.F32)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxContext == 0 {
		cfg.MaxContext = 512
	}
	cfg.IsEOG = tok.IsEOG
	eng, err := engine.New(m, kv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	if run {
		go func() { eng.Run(ctx); close(done) }()
	} else {
		close(done)
	}
	srv := httptest.NewServer(server.New(eng, server.Config{Model: Model, Tokenizer: tok, APIKey: apiKey}))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		kv.Free()
	})
	return srv, eng
}
