// Command ternload sends a bounded load of completion requests to a Tern
// (or any OpenAI-compatible) server and prints the aggregate decode rate:
//
//	ternload -url http://127.0.0.1:8411 -n 500 -c 32 -max-tokens 32
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/tern-llm/tern/internal/loadgen"
)

func main() {
	var o loadgen.Options
	var prompts string
	flag.StringVar(&o.URL, "url", "http://127.0.0.1:8411", "server base URL")
	flag.StringVar(&o.APIKey, "api-key", os.Getenv("TERN_API_KEY"), "Bearer token")
	flag.IntVar(&o.Requests, "n", 100, "requests in all")
	flag.IntVar(&o.Concurrency, "c", 8, "requests in flight at once")
	flag.IntVar(&o.MaxTokens, "max-tokens", 32, "tokens per request")
	flag.Float64Var(&o.Temperature, "temp", 0, "temperature")
	flag.StringVar(&prompts, "prompts", "Once upon a time|The little dog|Tom and Lily went to the park|One day, a big bear", "prompts, separated by |")
	flag.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "per-request timeout")
	flag.Parse()
	o.Prompts = strings.Split(prompts, "|")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := loadgen.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ternload:", err)
		if r == nil {
			os.Exit(2)
		}
	}
	fmt.Printf("requests %d ok, %d failed; concurrency %d; %d prompt + %d completion tokens in %.2fs\n",
		r.OK, r.Failed, o.Concurrency, r.PromptTokens, r.CompletionTokens, r.Elapsed.Seconds())
	fmt.Printf("aggregate decode %.1f tokens/s; latency p50 %v p90 %v p99 %v\n",
		r.TokensPerSecond(), r.Percentile(0.5).Round(time.Millisecond), r.Percentile(0.9).Round(time.Millisecond), r.Percentile(0.99).Round(time.Millisecond))
	for _, e := range r.Errors {
		fmt.Println("error:", e)
	}
	if r.Failed > 0 {
		os.Exit(1)
	}
}
