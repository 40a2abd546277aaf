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
	"github.com/tern-llm/tern/plan"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/server"
	"github.com/tern-llm/tern/tokenizer"
)

const (
	// defaultSlots is how many full contexts the KV cache holds by default:
	// enough for a few clients at once; the paged cache shares it between
	// however many requests there are.
	defaultSlots = 4
	// shutdownGrace is how long running requests get to finish after an
	// interrupt before they are cancelled.
	shutdownGrace = 30 * time.Second
)

type serveOptions struct {
	model, host, apiKey string
	memoryLimit         string
	port, context       int
	threads, slots      int
	batchTokens         int
	maxRunning, queue   int
	cacheType           quant.Type
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
		fs.StringVar(&o.memoryLimit, "memory-limit", "", memoryLimitUsage)
		cacheTypeFlag(fs, &o.cacheType)
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
	if o.port < 0 || o.port > 65535 || o.context < 0 || o.slots < 1 || o.threads < 0 || o.batchTokens < 1 {
		return usageErrorf("--port %d, --ctx %d, --slots %d, --threads %d, --batch-tokens %d: out of range",
			o.port, o.context, o.slots, o.threads, o.batchTokens)
	}
	log := slog.New(slog.NewTextHandler(io.err, nil))
	// The plan sizes the KV cache (slots full contexts, the context shrunk
	// when memory is short and --ctx was not given) and the step's tokens.
	lo := loadOptions{threads: o.threads, limits: o.memoryLimit,
		plan: planOptions{context: o.context, batch: o.slots, prefillChunk: o.batchTokens, kvType: o.cacheType}}
	if o.context == 0 {
		lo.plan.minContext = defaultMinContext
	}
	lm, err := loadModel(ctx, io, log, o.model, lo)
	if err != nil {
		return err
	}
	p := lm.plan
	log.Info("plan", "choice", p.Summary())
	defer lm.Close()
	tok, err := tokenizer.FromGGUF(lm.file)
	if err != nil {
		return inFile(o.model, err)
	}
	cfg := lm.model.Config
	ctxLen := p.Context
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

	// The KV cache the plan budgeted: Batch contexts of Context tokens, in
	// whole blocks (at least one context's worth).
	perToken := cfg.CacheBytes(o.cacheType)
	blocks := p.Context * p.Batch / engine.DefaultBlockSize
	blocks = max(blocks, (ctxLen+engine.DefaultBlockSize-1)/engine.DefaultBlockSize)
	kv, err := lm.model.NewCache(blocks, engine.DefaultBlockSize, o.cacheType)
	if err != nil {
		return err
	}
	defer kv.Free()
	// The cache's memory is committed as its blocks are first used (on the
	// CPU): the engine starts with one context's worth and asks before it
	// grows, with free memory read again each time.
	grow := &plan.KVGrowth{Plan: p, BlockSize: engine.DefaultBlockSize, Devices: lm.mach.devices}
	eng, err := engine.New(lm.model, kv, engine.Config{
		MaxBatchTokens: p.PrefillChunk, MaxRunning: o.maxRunning, MaxQueue: o.queue,
		MaxContext: ctxLen, IsEOG: tok.IsEOG, Log: log, KVGrow: grow,
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
		"kv_blocks", blocks, "kv_blocks_in_use", eng.Stats().BlocksActive, "block_size", engine.DefaultBlockSize, "kv_bytes", blocks*engine.DefaultBlockSize*perToken, "kv_type", o.cacheType)

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
