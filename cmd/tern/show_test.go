package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
)

// TestShow checks what `tern show` prints against what is known of the
// files: stories260K's shape from its README (dim 64, 5 layers, 8 heads,
// 4 KV heads, ffn 172, 512 tokens: 292,800 parameters with its untied
// output), the types llama-quantize gave the Q4_0 file, and a
// vocabulary-only file.
func TestShow(t *testing.T) {
	cases := []struct {
		file    []string
		tensors bool
		want    []string // regular expressions, each matching a line
	}{
		{[]string{"stories260K", "stories260K-f32.gguf"}, false, []string{
			`^file +stories260K-f32\.gguf$`,
			`^file size +1\.13 MiB \(1185376 bytes\), GGUF v3$`,
			`^architecture +llama$`,
			`^parameters +292\.80K \(292800\)$`,
			`^context length +128$`,
			`^embedding +64$`,
			`^layers +5$`,
			`^feed-forward +172$`,
			`^attention +8 heads, 4 KV heads, head size 8$`,
			`^tokenizer +llama, 512 tokens$`,
			`^BOS +1 "<s>"$`,
			`^EOS +2 "</s>"$`,
			`^ +F32 +48 +292800 +1\.12 MiB$`,
			`^ +total +48 +292800 +1\.12 MiB$`,
		}},
		{[]string{"stories260K", "stories260K-Q4_0.gguf"}, true, []string{
			`^file type +Q4_0 \(2\)$`,
			`^ +F32 +11 +704 +2\.75 KiB$`,
			`^ +F16 +5 +55040 +107\.50 KiB$`,
			`^ +Q4_0 +31 +204288 +112\.22 KiB$`,
			`^ +Q8_0 +1 +32768 +34\.00 KiB$`,
			`^blk\.0\.ffn_down\.weight +F16 +\[172, 64\] +21\.50 KiB$`,
			`^output\.weight +Q8_0 +\[64, 512\] +34\.00 KiB$`,
		}},
		{[]string{"vocab", "ggml-vocab-bert-bge.gguf"}, false, []string{
			`^architecture +bert \(not one Tern runs\)$`,
			`^parameters +0 \(0\)$`,
			`^tokenizer +bert, pre bert-bge, 30522 tokens$`,
			`^ +total +0 +0 +0 B$`,
		}},
	}
	for _, c := range cases {
		path := testdata.Path(t, c.file...)
		var out strings.Builder
		if err := runShow(path, c.tensors, &out); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(out.String(), "\n")
		for _, w := range c.want {
			re := regexp.MustCompile(w)
			found := false
			for _, l := range lines {
				if re.MatchString(l) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s: no line matches %s in\n%s", c.file[1], w, out.String())
			}
		}
		listed := strings.Contains(out.String(), "blk.0.attn_q.weight")
		if listed != (c.tensors && c.file[0] != "vocab") {
			t.Errorf("%s: --tensors %v, tensor list printed %v", c.file[1], c.tensors, listed)
		}
	}
}
