package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/tern-llm/tern/chat"
	"github.com/tern-llm/tern/engine"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/server"
	"github.com/tern-llm/tern/tokenizer"
)

const (
	// defaultSlots is how many full contexts the KV cache holds by default:
	// enough for a few clients at once; the paged cache shares it between
	// however many requests there are.
	defaultSlots = 4
	// kvMemoryShare is the most of the free memory the KV cache takes by
	// default, leaving room for activations and the rest of the machine.
	kvMemoryShare = 4
	// shutdownGrace is how long running requests get to finish after an
	// interrupt before they are cancelled.
	shutdownGrace = 30 * time.Second
)

type serveOptions struct {
	model, host, apiKey string
	port, context       int
	threads, slots      int
	batchTokens         int
	maxRunning, queue   int
}

var serveCommand = command{
	name:  "serve",
	args:  "MODEL",
	short: "OpenAI-compatible API server",
	summary: `Serves MODEL over an OpenAI-compatible HTTP API (/v1/chat/completions,
/v1/completions, /v1/models, /health, /metrics) with continuous batching and a
paged, prefix-cached KV cache. It listens on 127.0.0.1 unless --host says
otherwise; an interrupt stops accepting requests and lets running ones finish.`,
	flags: func(fs *flag.FlagSet) func(context.Context, stdio, []string) error {
		var o serveOptions
		fs.StringVar(&o.host, "host", "127.0.0.1", "address to listen on")
		fs.IntVar(&o.port, "port", server.DefaultPort, "port to listen on")
		fs.StringVar(&o.apiKey, "api-key", "", "require this key as a Bearer token on every request (default: $TERN_API_KEY)")
		fs.IntVar(&o.context, "ctx", 0, fmt.Sprintf("tokens per request, prompt and completion (0: the model's, at most %d)", defaultMaxContext))
		fs.IntVar(&o.slots, "slots", defaultSlots, "size the KV cache for this many full-context requests at once")
		fs.IntVar(&o.batchTokens, "batch-tokens", engine.DefaultMaxBatchTokens, "tokens computed per step (prefill chunks and decodes together)")
		fs.IntVar(&o.maxRunning, "parallel", engine.DefaultMaxRunning, "requests computed at once")
		fs.IntVar(&o.queue, "queue", engine.DefaultMaxQueue, "requests waiting before the server answers 503")
		fs.IntVar(&o.threads, "threads", 0, "CPU threads (0: one per core)")
		return func(ctx context.Context, io stdio, args []string) error {
			if err := wantArgs(args, 1, 1); err != nil {
				return err
			}
			o.model = args[0]
			if o.apiKey == "" {
				o.apiKey = os.Getenv("TERN_API_KEY")
			}
			return serve(ctx, o, io)
		}
	},
}

func serve(ctx context.Context, o serveOptions, io stdio) error {
	if o.port < 0 || o.port > 65535 || o.context < 0 || o.slots < 1 || o.threads < 0 {
		return usageErrorf("--port %d, --ctx %d, --slots %d, --threads %d: out of range", o.port, o.context, o.slots, o.threads)
	}
	log := slog.New(slog.NewTextHandler(io.err, nil))
	lm, err := loadModel(o.model, o.threads)
	if err != nil {
		return err
	}
	defer lm.Close()
	tok, err := tokenizer.FromGGUF(lm.file)
	if err != nil {
		return inFile(o.model, err)
	}
	cfg := lm.model.Config
	ctxLen := o.context
	if ctxLen == 0 {
		ctxLen = min(cfg.ContextLen, defaultMaxContext)
	}
	tmpl := chat.ChatML()
	if src, ok := lm.file.String("tokenizer.chat_template"); ok {
		if t, err := chat.Parse(src); err != nil {
			log.Warn("the model's chat template does not parse; using ChatML", "err", err)
		} else {
			tmpl = t
		}
	} else {
		log.Info("the model has no chat template; using ChatML")
	}

	// The KV cache: slots full contexts, within a share of free memory.
	perToken := cfg.CacheBytes(quant.F32)
	tokens := ctxLen * o.slots
	dev := lm.model.Place.Layers[0]
	if free, _, err := dev.Memory(); err == nil && free > 0 {
		tokens = min(tokens, int(free/kvMemoryShare/uint64(perToken)))
	}
	blocks := tokens / engine.DefaultBlockSize
	if blocks*engine.DefaultBlockSize < ctxLen {
		return fmt.Errorf("not enough memory for one context of %d tokens (%d bytes each)", ctxLen, perToken)
	}
	kv, err := lm.model.NewCache(blocks, engine.DefaultBlockSize, quant.F32)
	if err != nil {
		return err
	}
	defer kv.Free()
	eng, err := engine.New(lm.model, kv, engine.Config{
		MaxBatchTokens: o.batchTokens, MaxRunning: o.maxRunning, MaxQueue: o.queue,
		MaxContext: ctxLen, IsEOG: tok.IsEOG, Log: log,
	})
	if err != nil {
		return err
	}
	name := cfg.Name
	if name == "" {
		name = cfg.Arch
	}
	h := server.New(eng, server.Config{Model: name, Tokenizer: tok, Template: tmpl, APIKey: o.apiKey, Log: log})

	ln, err := net.Listen("tcp", net.JoinHostPort(o.host, strconv.Itoa(o.port)))
	if err != nil {
		return err
	}
	engCtx, stopEngine := context.WithCancel(context.Background())
	defer stopEngine()
	engDone := make(chan error, 1)
	go func() { engDone <- eng.Run(engCtx) }()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(ln) }()
	log.Info("serving", "model", name, "addr", "http://"+ln.Addr().String(), "context", ctxLen,
		"kv_blocks", blocks, "block_size", engine.DefaultBlockSize, "kv_bytes", blocks*engine.DefaultBlockSize*perToken)

	select {
	case err := <-srvDone:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing running requests", "grace", shutdownGrace)
	eng.Close()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	stopEngine()
	<-engDone
	return nil
}
