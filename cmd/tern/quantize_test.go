package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/quant"
)

// logitsAfter loads the model at path the way `tern run` does and returns
// its logits after tokens.
func logitsAfter(t *testing.T, path string, tokens []int32) []float32 {
	t.Helper()
	lm, err := loadModel(context.Background(), stdio{err: io.Discard}, slog.New(slog.DiscardHandler), path, loadOptions{threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer lm.Close()
	seq, err := lm.model.NewSequence(32)
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Free()
	out, err := seq.Append(context.Background(), tokens, lm.plan.PrefillChunk)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), out...)
}

// TestQuantizeTiny generates the tiny model in F32 with `tern gen`,
// quantizes it to Q4_0 with `tern quantize`, and checks that the result
// loads, holds Q4_0 matrices, and gives logits close to the F32 model's.
func TestQuantizeTiny(t *testing.T) {
	dir := t.TempDir()
	f32 := filepath.Join(dir, "tiny-f32.gguf")
	q40 := filepath.Join(dir, "tiny-q4_0.gguf")
	for _, args := range [][]string{
		{"gen", "--seed", "11", "tiny", f32, "F32"},
		{"quantize", f32, q40, "q4_0"},
	} {
		io, _, errb := testIO("")
		if code := Main(context.Background(), args, io); code != exitOK {
			t.Fatalf("%q: exit %d: %s", args, code, errb.String())
		}
		if !strings.Contains(errb.String(), "wrote "+args[len(args)-2]) {
			t.Errorf("%q: stderr %q does not report the file written", args, errb.String())
		}
	}
	f, err := openGGUF(q40)
	if err != nil {
		t.Fatal(err)
	}
	for _, ten := range f.Tensors {
		want := quant.Q4_0
		if len(ten.Shape) == 1 {
			want = quant.F32
		}
		if ten.Type != want {
			t.Errorf("%s: %s, want %s", ten.Name, ten.Type, want)
		}
	}
	if ft, _ := f.Uint("general.file_type"); ft != 2 {
		t.Errorf("general.file_type %d, want 2 (MOSTLY_Q4_0)", ft)
	}
	f.Close()

	tokens := []int32{1, 260, 300, 42, 7}
	a, b := logitsAfter(t, f32, tokens), logitsAfter(t, q40, tokens)
	var diff, spread, mean float64
	for _, v := range a {
		mean += float64(v) / float64(len(a))
	}
	for i := range a {
		if math.IsNaN(float64(b[i])) || math.IsInf(float64(b[i]), 0) {
			t.Fatalf("Q4_0 logit %d is %v", i, b[i])
		}
		diff += (float64(a[i]) - float64(b[i])) * (float64(a[i]) - float64(b[i]))
		spread += (float64(a[i]) - mean) * (float64(a[i]) - mean)
	}
	// Q4_0 keeps about 4 bits a weight: through two layers of random
	// weights the logits move by about a fifth of their spread (measured
	// 0.22 in modelgen's tests); more means a wrong tensor.
	if r := math.Sqrt(diff / spread); r > 0.5 {
		t.Errorf("Q4_0 logits differ from F32's by %.3f of their spread (rms)", r)
	}
}

// TestQuantizeFallback quantizes stories260K to Q4_K: its rows of 64 and
// 172 hold no 256-block, so every matrix falls back, and the command says
// so for each; and quantizes it to Q8_0 as llama-quantize did, then runs
// the result, which must print llama.cpp's greedy text for the Q8_0 file.
func TestQuantizeFallback(t *testing.T) {
	in := testdata.Path(t, "stories260K", "stories260K-f32.gguf")
	dir := t.TempDir()
	io, _, errb := testIO("")
	if code := Main(context.Background(), []string{"quantize", in, filepath.Join(dir, "q4k.gguf"), "Q4_K"}, io); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	log := errb.String()
	for _, want := range []string{
		"blk.0.ffn_down.weight: rows of 172 are not a multiple of Q4_K's block of 256: using F16",
		"blk.4.attn_q.weight: rows of 64 are not a multiple of Q4_K's block of 256: using Q5_0",
		"[48/48]",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("progress lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "using"); n != 2+5*7 {
		t.Errorf("%d fallbacks reported, want 37 (embedding, output, 7 matrices in each of 5 layers)", n)
	}

	q8 := filepath.Join(dir, "q8.gguf")
	io, _, errb = testIO("")
	if code := Main(context.Background(), []string{"quantize", "-q", "--output-type", "Q8_0", in, q8, "Q8_0"}, io); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("-q printed %q", errb.String())
	}
	ref := testdata.Reference(t, "stories260K")["stories260K-Q8_0.gguf"][0]
	io, out, errb := testIO("")
	if code := Main(context.Background(), []string{"run", "-n", "64", "--temp", "0", q8, ref.Prompt}, io); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if out.String() != ref.Text {
		t.Errorf("run on the Q8_0 file quantized by tern:\n got %q\nwant %q", out.String(), ref.Text)
	}
}
