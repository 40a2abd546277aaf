package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
)

// TestPlan: `tern plan` on stories260K prints the candidates and the
// choice: every weight resident without a limit, layers streamed under a
// limit below the model's size, nothing under a limit below any
// placement (with the candidates still shown).
func TestPlan(t *testing.T) {
	path := testdata.Path(t, "stories260K", "stories260K-f32.gguf")
	cases := []struct {
		name    string
		args    []string
		code    int
		wantOut []string // regular expressions on stdout
		wantErr string   // in stderr
	}{
		{"no limit", []string{"plan", path}, exitOK, []string{
			`(?m)^model llama: context 128 × 1 sequence\(s\), KV F32, prefill chunk 512, memory limit none$`,
			`(?m)^ +candidate +decode tok/s +prefill tok/s +load s +KV +chunk +peak memory / budget +fits$`,
			`(?m)^\* +cpu all +[0-9.]+ +[0-9.]+ .* yes$`,
			`(?m)^choice: cpu all — `,
			`(?m)^predicted: decode [0-9.]+ tok/s, prefill [0-9.]+ tok/s; cpu peak .*stream window 0B\)$`,
		}, ""},
		{"f16 cache", []string{"plan", "--cache-type", "f16", path}, exitOK, []string{
			`(?m)^model llama: context 128 × 1 sequence\(s\), KV F16, `,
		}, ""},
		{"bad cache type", []string{"plan", "--cache-type", "bf16", path}, exitUsage, nil, `"bf16": want f32 or f16`},
		{"context", []string{"plan", "--ctx", "64", path}, exitOK, []string{
			`(?m)^model llama: context 64 × 1 sequence`,
			`(?m)^choice: cpu all — `,
		}, ""},
		{"streamed", []string{"plan", "--memory-limit", "1MiB", path}, exitOK, []string{
			`memory limit 1MiB`,
			`(?m)^\* +cpu .*\(streamed\) .* yes$`,
			`(?m)^ +cpu all .* no: cpu needs `,
			`(?m)^choice: .*\(streamed\) — no placement keeps every weight resident`,
		}, ""},
		{"too small", []string{"plan", "--memory-limit", "300KiB", path}, exitError, []string{
			`(?m)^ +cpu all .* no: cpu needs `,
			`(?m)^no candidate fits$`,
		}, "the model does not fit in memory, even streamed from the file: it needs at least"},
		{"bad limit", []string{"plan", "--memory-limit", "12XB", path}, exitUsage, nil, `--memory-limit: memory limit "12XB"`},
		{"no such device", []string{"plan", "--memory-limit", "cuda9=1GiB", path}, exitUsage, nil, `no device "cuda9"`},
		{"no model", []string{"plan"}, exitUsage, nil, "want at least 1"},
		{"missing file", []string{"plan", path + ".missing"}, exitError, nil, "tern: plan: " + path + ".missing: no such file"},
	}
	for _, c := range cases {
		io, out, errb := testIO("")
		if code := Main(context.Background(), c.args, io); code != c.code {
			t.Errorf("%s: exit %d, want %d; stderr %q", c.name, code, c.code, errb.String())
			continue
		}
		for _, re := range c.wantOut {
			if !regexp.MustCompile(re).MatchString(out.String()) {
				t.Errorf("%s: stdout does not match %s:\n%s", c.name, re, out.String())
			}
		}
		if !strings.Contains(errb.String(), c.wantErr) {
			t.Errorf("%s: stderr %q, want it to contain %q", c.name, errb.String(), c.wantErr)
		}
	}
}
