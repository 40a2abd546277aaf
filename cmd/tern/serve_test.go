package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tern-llm/tern/internal/testdata"
)

// TestServe starts `tern serve` on a free port, asks it for a greedy
// completion, and stops it with a cancelled context (an interrupt); with
// and without a memory limit, the KV cache is the plan's: 4 slots of the
// model's 128-token context, in 16-token blocks.
func TestServe(t *testing.T) {
	path := testdata.Path(t, "stories260K", "stories260K-f32.gguf")
	for _, limit := range []string{"", "2MiB"} {
		serveOnce(t, path, limit, "kv_blocks=32 ")
	}
	serveOnce(t, path, "", "kv_type=F16", "--cache-type", "f16")
}

// serveOnce serves path with the memory limit and the flags more, and
// checks a completion, the log (wantLog in it) and the stop.
func serveOnce(t *testing.T, path, limit, wantLog string, more ...string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		args := append([]string{"serve", "--port", strconv.Itoa(port), "--memory-limit", limit}, more...)
		done <- Main(ctx, append(args, path), stdio{out: &bytes.Buffer{}, err: &stderr})
	}()
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	var resp *http.Response
	for i := 0; i < 200; i++ {
		if resp, err = http.Get(url + "/health"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if err != nil {
		cancel()
		t.Fatalf("server did not come up: %v\n%s", err, stderr.String())
	}
	resp, err = http.Post(url+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"Once upon a time","max_tokens":16,"temperature":0}`))
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Choices []struct{ Text string } }
	json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if len(r.Choices) != 1 || !strings.HasPrefix(r.Choices[0].Text, ", there was a little girl named Lily") {
		t.Errorf("limit %q: completion %+v", limit, r)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("limit %q: exit status %d after an interrupt\n%s", limit, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), wantLog) || !strings.Contains(stderr.String(), "msg=plan choice=") {
			t.Errorf("limit %q: log %q, want the plan and %q", limit, stderr.String(), wantLog)
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop after the interrupt")
	}
}
