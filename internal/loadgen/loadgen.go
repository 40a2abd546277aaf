// Package loadgen sends a bounded load of OpenAI completion requests to a
// server and measures it: how many succeeded, how many tokens came back,
// and the aggregate decode rate. It is the load test of Tern's server and
// the tool behind its concurrency numbers.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Options describe a load.
type Options struct {
	URL         string   // the server's base URL, e.g. http://127.0.0.1:8411
	APIKey      string   // sent as a Bearer token when set
	Requests    int      // total requests
	Concurrency int      // requests in flight at once
	Prompts     []string // cycled through
	MaxTokens   int      // per request (a request may end sooner, at an end-of-generation token)
	Temperature float64
	Timeout     time.Duration // per request
}

// Result summarizes a load.
type Result struct {
	OK, Failed       int
	Errors           []string // the first few failures
	PromptTokens     int
	CompletionTokens int
	Elapsed          time.Duration
	Latency          []time.Duration // per successful request, sorted
}

// TokensPerSecond is the aggregate completion rate over the whole run.
func (r *Result) TokensPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.CompletionTokens) / r.Elapsed.Seconds()
}

// Percentile is the latency below which p (0–1) of the requests finished.
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.Latency) == 0 {
		return 0
	}
	return r.Latency[min(len(r.Latency)-1, int(p*float64(len(r.Latency))))]
}

const maxErrors = 5

// Run sends the load and waits for it; ctx bounds the whole run.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Requests <= 0 || o.Concurrency <= 0 || len(o.Prompts) == 0 || o.MaxTokens <= 0 {
		return nil, fmt.Errorf("loadgen: requests %d, concurrency %d, %d prompts, max tokens %d: all must be positive",
			o.Requests, o.Concurrency, len(o.Prompts), o.MaxTokens)
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Minute
	}
	client := &http.Client{Timeout: o.Timeout}
	res := &Result{}
	var mu sync.Mutex
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				p, c, err := one(ctx, client, o, o.Prompts[i%len(o.Prompts)])
				mu.Lock()
				if err != nil {
					res.Failed++
					if len(res.Errors) < maxErrors {
						res.Errors = append(res.Errors, err.Error())
					}
				} else {
					res.OK++
					res.PromptTokens += p
					res.CompletionTokens += c
					res.Latency = append(res.Latency, time.Since(t0))
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < o.Requests && ctx.Err() == nil; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	res.Elapsed = time.Since(start)
	sort.Slice(res.Latency, func(a, b int) bool { return res.Latency[a] < res.Latency[b] })
	return res, ctx.Err()
}

// one sends a completion request and returns its token usage.
func one(ctx context.Context, client *http.Client, o Options, prompt string) (int, int, error) {
	body, _ := json.Marshal(map[string]any{"prompt": prompt, "max_tokens": o.MaxTokens, "temperature": o.Temperature})
	req, err := http.NewRequestWithContext(ctx, "POST", o.URL+"/v1/completions", bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(data))
	}
	var r struct {
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, 0, fmt.Errorf("response: %w", err)
	}
	return r.Usage.PromptTokens, r.Usage.CompletionTokens, nil
}
