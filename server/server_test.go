package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tern-llm/tern/engine"
	"github.com/tern-llm/tern/internal/loadgen"
	"github.com/tern-llm/tern/internal/servetest"
	"github.com/tern-llm/tern/server"
)

// start serves stories260K over loopback.
func start(t *testing.T, cfg engine.Config, key string) (*httptest.Server, *engine.Engine) {
	return servetest.Start(t, cfg, key)
}

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// sseChunks reads "data:" payloads up to [DONE].
func sseChunks(t *testing.T, r io.Reader) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(r)
	sawDone := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not an SSE data line: %q", line)
		}
		if data == "[DONE]" {
			sawDone = true
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("chunk %q: %v", data, err)
		}
		out = append(out, m)
	}
	if !sawDone {
		t.Fatal("stream did not end with data: [DONE]")
	}
	return out
}

func TestCompletionGreedyMatchesLlamaCpp(t *testing.T) {
	srv, _ := start(t, engine.Config{}, "")
	// llama.cpp's greedy continuation of "Once upon a time" (reference.json)
	want := ", there was a little girl named Lily. She loved to play outside in the park."
	resp, body := post(t, srv.URL+"/v1/completions", `{"model":"stories260K","prompt":"Once upon a time","max_tokens":64,"temperature":0}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var r struct {
		Object  string
		Choices []struct {
			Text         string
			FinishReason string `json:"finish_reason"`
		}
		Usage struct{ PromptTokens, CompletionTokens, TotalTokens int } `json:"usage"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	if r.Object != "text_completion" || len(r.Choices) != 1 || !strings.HasPrefix(r.Choices[0].Text, want) {
		t.Fatalf("got %s", body)
	}
	if r.Choices[0].FinishReason != "length" {
		t.Errorf("finish_reason %q, want length", r.Choices[0].FinishReason)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
}

func TestCompletionStop(t *testing.T) {
	srv, _ := start(t, engine.Config{}, "")
	// the greedy text is ", there was a little girl named Lily. She loved…": stop at " Lily"
	_, body := post(t, srv.URL+"/v1/completions", `{"prompt":"Once upon a time","max_tokens":64,"temperature":0,"stop":[" Lily","zzz"]}`)
	var r struct {
		Choices []struct {
			Text         string
			FinishReason string `json:"finish_reason"`
		}
	}
	json.Unmarshal(body, &r)
	if len(r.Choices) != 1 || r.Choices[0].Text != ", there was a little girl named" || r.Choices[0].FinishReason != "stop" {
		t.Fatalf("got %s", body)
	}
	// streamed: no chunk may contain text that is later cut
	resp, err := http.Post(srv.URL+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"Once upon a time","max_tokens":64,"temperature":0,"stop":"girl named L","stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var text strings.Builder
	finish := ""
	for _, c := range sseChunks(t, resp.Body) {
		ch := c["choices"].([]any)[0].(map[string]any)
		text.WriteString(ch["text"].(string))
		if f, ok := ch["finish_reason"].(string); ok {
			finish = f
		}
	}
	if text.String() != ", there was a little " || finish != "stop" {
		t.Errorf("streamed %q finish %q", text.String(), finish)
	}
}

func TestChatStreaming(t *testing.T) {
	srv, _ := start(t, engine.Config{}, "")
	resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(
		`{"model":"stories260K","messages":[{"role":"system","content":"Tell a story."},{"role":"user","content":"Once upon a time"}],
		  "max_tokens":12,"stream":true,"stream_options":{"include_usage":true},"seed":7}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	chunks := sseChunks(t, resp.Body)
	if len(chunks) < 3 {
		t.Fatalf("%d chunks", len(chunks))
	}
	first := chunks[0]["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
	if first["role"] != "assistant" {
		t.Errorf("first delta %v, want the role", first)
	}
	last := chunks[len(chunks)-1]
	if len(last["choices"].([]any)) != 0 || last["usage"] == nil {
		t.Errorf("last chunk %v, want usage and no choices", last)
	}
	fin := chunks[len(chunks)-2]["choices"].([]any)[0].(map[string]any)
	if fin["finish_reason"] != "length" {
		t.Errorf("finish chunk %v", fin)
	}
	for _, c := range chunks {
		if c["object"] != "chat.completion.chunk" {
			t.Errorf("object %v", c["object"])
		}
	}
	u := last["usage"].(map[string]any)
	if u["completion_tokens"].(float64) != 12 {
		t.Errorf("usage %v", u)
	}
}

func TestChatLogprobsAndN(t *testing.T) {
	srv, _ := start(t, engine.Config{}, "")
	resp, body := post(t, srv.URL+"/v1/chat/completions",
		`{"messages":[{"role":"user","content":"Hi"}],"max_tokens":5,"n":3,"logprobs":true,"top_logprobs":2,"seed":1}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var r struct {
		Choices []struct {
			Index    int
			Message  struct{ Role, Content string }
			Logprobs struct {
				Content []struct {
					Token       string
					Logprob     float64
					TopLogprobs []struct {
						Token   string
						Logprob float64
					} `json:"top_logprobs"`
				}
			}
		}
		Usage struct {
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Choices) != 3 || r.Usage.CompletionTokens != 15 {
		t.Fatalf("got %s", body)
	}
	for _, c := range r.Choices {
		if len(c.Logprobs.Content) != 5 {
			t.Errorf("choice %d: %d logprobs for 5 tokens", c.Index, len(c.Logprobs.Content))
		}
		for _, lp := range c.Logprobs.Content {
			if lp.Logprob > 0 || len(lp.TopLogprobs) != 2 || lp.TopLogprobs[0].Logprob < lp.TopLogprobs[1].Logprob {
				t.Errorf("bad logprob entry %+v", lp)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	srv, _ := start(t, engine.Config{MaxContext: 100}, "")
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"malformed JSON", "/v1/chat/completions", `{"messages":`, 400, ""},
		{"wrong type", "/v1/chat/completions", `{"messages":"hi"}`, 400, ""},
		{"unknown model", "/v1/chat/completions", `{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}`, 400, "model_not_found"},
		{"empty messages", "/v1/chat/completions", `{"messages":[]}`, 400, ""},
		{"bad role", "/v1/chat/completions", `{"messages":[{"role":"wizard","content":"x"}]}`, 400, ""},
		{"prompt past context", "/v1/completions", `{"prompt":"` + strings.Repeat("a b c ", 200) + `"}`, 400, "context_length_exceeded"},
		{"max_tokens past context", "/v1/completions", `{"prompt":"Hi","max_tokens":1000}`, 400, "context_length_exceeded"},
		{"temperature out of range", "/v1/completions", `{"prompt":"Hi","temperature":5}`, 400, ""},
		{"too many stops", "/v1/completions", `{"prompt":"Hi","stop":["a","b","c","d","e"]}`, 400, ""},
		{"no prompt", "/v1/completions", `{}`, 400, ""},
		{"token outside vocab", "/v1/completions", `{"prompt":[1, 99999]}`, 400, ""},
		{"unknown route", "/v1/embeddings", `{}`, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, srv.URL+tc.path, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			var e struct {
				Error struct {
					Message, Type string
					Code          *string
				}
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" || e.Error.Type == "" {
				t.Fatalf("not an OpenAI error object: %s", body)
			}
			if tc.code != "" && (e.Error.Code == nil || *e.Error.Code != tc.code) {
				t.Errorf("code %v, want %q", e.Error.Code, tc.code)
			}
		})
	}
	// an oversized body is refused and the server keeps serving
	big := `{"prompt":"` + strings.Repeat("x", server.MaxBodyBytes) + `"}`
	if resp, _ := post(t, srv.URL+"/v1/completions", big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d", resp.StatusCode)
	}
	if resp, body := post(t, srv.URL+"/v1/completions", `{"prompt":"Hi","max_tokens":2}`); resp.StatusCode != 200 {
		t.Errorf("after the errors: %d %s", resp.StatusCode, body)
	}
}

func TestAPIKey(t *testing.T) {
	srv, _ := start(t, engine.Config{}, "sekret")
	req, _ := http.NewRequest("GET", srv.URL+"/v1/models", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("no key: %d", resp.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer sekret")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id":"stories260K"`) {
		t.Errorf("with key: %d %s", resp.StatusCode, body)
	}
}

func metricsText(t *testing.T, url string) string {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func metric(t *testing.T, text, name string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			return line[strings.LastIndexByte(line, ' ')+1:]
		}
	}
	t.Fatalf("metric %s missing from:\n%s", name, text)
	return ""
}

func TestMetricsPrefixAndCancel(t *testing.T) {
	srv, _ := start(t, engine.Config{}, "")
	m := metricsText(t, srv.URL)
	for _, name := range []string{"vllm:num_requests_waiting", "vllm:num_requests_running", "vllm:kv_cache_usage_perc"} {
		if v := metric(t, m, name); v != "0" {
			t.Errorf("idle %s = %s", name, v)
		}
	}
	if !strings.Contains(m, `vllm:cache_config_info{block_size="16",num_gpu_blocks="64"} 1`) {
		t.Errorf("cache_config_info missing:\n%s", m)
	}
	long := strings.Repeat("Once upon a time there was a little dog. ", 8)
	for range 2 {
		post(t, srv.URL+"/v1/completions", `{"prompt":"`+long+`","max_tokens":2}`)
	}
	if hits := metric(t, metricsText(t, srv.URL), "tern_prefix_cache_hits_total"); hits == "0" {
		t.Errorf("no prefix hits after the same long prompt twice")
	}
	// a client that goes away mid-stream frees its blocks
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/completions",
		strings.NewReader(`{"prompt":"Once","max_tokens":400,"stream":true}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	br.ReadString('\n') // first chunk arrived: the request is running
	cancel()
	resp.Body.Close()
	for range 200 {
		m = metricsText(t, srv.URL)
		if metric(t, m, "vllm:kv_cache_usage_perc") == "0" && metric(t, m, "vllm:num_requests_running") == "0" {
			return
		}
		select {
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Errorf("blocks not freed after the client left:\n%s", m)
}

// TestQueueFull: when the queue is full the server answers 503 with
// Retry-After and an OpenAI error object.
func TestQueueFull(t *testing.T) {
	srv, eng := servetest.StartStopped(t, engine.Config{MaxQueue: 1})
	// the engine's loop is stopped: this request stays queued and fills the queue
	if _, err := eng.Submit(context.Background(), &engine.Request{Prompt: []int32{1}, MaxTokens: 1}); err != nil {
		t.Fatal(err)
	}
	resp, body := post(t, srv.URL+"/v1/completions", `{"prompt":"Hi","max_tokens":2}`)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"queue_full"`) {
		t.Errorf("with a full queue: %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestLoad: 500 requests, 32 at a time, over loopback, all succeed.
func TestLoad(t *testing.T) {
	srv, eng := start(t, engine.Config{}, "")
	n := 500
	if testing.Short() {
		n = 100
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, err := loadgen.Run(ctx, loadgen.Options{
		URL: srv.URL, Requests: n, Concurrency: 32, MaxTokens: 8,
		Prompts: []string{"Once upon a time", "The little dog", "Tom and Lily went to the park", "One day, a big bear"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK != n || r.Failed != 0 {
		t.Fatalf("%d ok, %d failed: %v", r.OK, r.Failed, r.Errors)
	}
	t.Logf("%d requests, 32 concurrent: %.0f tokens/s aggregate, p50 %v", n, r.TokensPerSecond(), r.Percentile(0.5))
	if st := eng.Stats(); st.BlocksUsed != 0 || st.Running != 0 || st.Waiting != 0 {
		t.Errorf("after the load: %+v", st)
	}
}
