package plan

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	cpubackend "github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

// TestPredictionAgainstMeasured calibrates this machine's CPU, plans the
// test models CPU-only, runs their decode, and compares: the issue asks
// for predictions within ±25% of measured. It measures the machine, so it
// runs only when asked (TERN_PREDICT_CHECK=1) on a quiet machine.
func TestPredictionAgainstMeasured(t *testing.T) {
	if os.Getenv("TERN_PREDICT_CHECK") == "" {
		t.Skip("set TERN_PREDICT_CHECK=1 to compare predicted and measured decode speed")
	}
	dev := cpubackend.New(0)
	models := []string{
		testdata.Path(t, "stories260K", "stories260K-f32.gguf"),
		testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf"),
		testdata.Path(t, "synth-tiny", "synth-tiny-Q4_0.gguf"),
		testdata.Path(t, "synth-tiny", "synth-tiny-Q8_0.gguf"),
	}
	if os.Getenv("TERN_PREDICT_BIG") != "" {
		// A ~0.9 GB llama (dim 2048, 16 layers, FFN 5632) in Q8_0.
		big := filepath.Join(t.TempDir(), "big-Q8_0.gguf")
		if err := writeRandomLlama(big, 2048, 16, 16, 4, 5632, 32000); err != nil {
			t.Fatal(err)
		}
		models = append(models, big)
	}
	prof, err := calibrate.Device(context.Background(), dev, "", calibrate.Options{
		Formats: []quant.Type{quant.F32, quant.F16, quant.Q8_0, quant.Q4_0}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cpu: %.2f GB/s, op latency %.1f µs, matvec F32 %.2f Q8_0 %.2f Q4_0 %.2f GB/s", prof.Bandwidth/1e9, prof.OpLatency*1e6,
		prof.MatVec["F32"]/1e9, prof.MatVec["Q8_0"]/1e9, prof.MatVec["Q4_0"]/1e9)
	for _, name := range models {
		f, err := gguf.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		n, err := NeedsFromGGUF(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Make(n, []Device{{Name: "cpu", Kind: backend.CPU, Free: 8 << 30, Total: 16 << 30, Speeds: prof, Supports: CPUSupports}},
			Options{Context: 512, PredictAt: 40})
		if err != nil {
			t.Fatal(err)
		}
		measured := decodeSpeed(t, dev, f, n)
		ratio := p.Decode / measured
		name = filepath.Base(name)
		t.Logf("%-24s predicted %8.1f tok/s, measured %8.1f tok/s, ratio %.2f", name, p.Decode, measured, ratio)
		if ratio < 0.75 || ratio > 1.25 {
			t.Errorf("%s: prediction off by more than 25%%", name)
		}
		f.Close()
	}
}

// writeRandomLlama writes a llama model of random Q8_0 weights (scales
// 0.0005, quants uniform in [-127, 127]: weights of about ±0.06) and F32
// norms of ones, with a vocabulary size and no tokenizer.
func writeRandomLlama(path string, dim, layers, heads, kvHeads, ffn, vocab int) error {
	w := gguf.NewWriter()
	for _, kv := range []struct {
		k string
		v any
	}{
		{"general.architecture", "llama"}, {"general.name", "random"},
		{"llama.embedding_length", uint32(dim)}, {"llama.block_count", uint32(layers)},
		{"llama.attention.head_count", uint32(heads)}, {"llama.attention.head_count_kv", uint32(kvHeads)},
		{"llama.feed_forward_length", uint32(ffn)}, {"llama.context_length", uint32(2048)},
		{"llama.vocab_size", uint32(vocab)}, {"llama.attention.layer_norm_rms_epsilon", float32(1e-5)},
	} {
		if err := w.Set(kv.k, kv.v); err != nil {
			return err
		}
	}
	seed := uint64(1)
	q8 := func(rows, cols int) func(io.Writer) error {
		return func(out io.Writer) error {
			r := rand.New(rand.NewPCG(seed, 2))
			seed++
			block := make([]byte, 34*cols/32)
			for i := 0; i < rows; i++ {
				for b := 0; b < cols/32; b++ {
					blk := block[b*34 : (b+1)*34]
					binary.LittleEndian.PutUint16(blk, quant.F32ToF16(0.0005))
					for j := 2; j < 34; j++ {
						blk[j] = byte(int8(r.IntN(255) - 127))
					}
				}
				if _, err := out.Write(block); err != nil {
					return err
				}
			}
			return nil
		}
	}
	ones := func(n int) []byte {
		b := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(1))
		}
		return b
	}
	hd := dim / heads
	add := func(name string, rows, cols int) error {
		return w.AddTensor(name, quant.Q8_0, []int{cols, rows}, q8(rows, cols))
	}
	if err := add("token_embd.weight", vocab, dim); err != nil {
		return err
	}
	for l := 0; l < layers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		for _, m := range []struct {
			name       string
			rows, cols int
		}{{"attn_q.weight", dim, dim}, {"attn_k.weight", kvHeads * hd, dim}, {"attn_v.weight", kvHeads * hd, dim},
			{"attn_output.weight", dim, dim}, {"ffn_gate.weight", ffn, dim}, {"ffn_up.weight", ffn, dim}, {"ffn_down.weight", dim, ffn}} {
			if err := add(p+m.name, m.rows, m.cols); err != nil {
				return err
			}
		}
		for _, norm := range []string{"attn_norm.weight", "ffn_norm.weight"} {
			if err := w.AddTensorData(p+norm, quant.F32, []int{dim}, ones(dim)); err != nil {
				return err
			}
		}
	}
	if err := w.AddTensorData("output_norm.weight", quant.F32, []int{dim}, ones(dim)); err != nil {
		return err
	}
	if err := add("output.weight", vocab, dim); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if _, err := w.WriteTo(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// decodeSpeed runs 8 prompt tokens, then greedy single-token steps in
// five parts of about 0.4 s each (at least 2 steps, at most 16 per part),
// and returns the median part's tokens/s (positions from 8, around the
// plan's PredictAt of 40).
func decodeSpeed(t *testing.T, dev backend.Device, f *gguf.File, n *Needs) float64 {
	m, err := model.Load(f, model.OnDevice(dev, len(n.Layers)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSequence(512)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	ctx := context.Background()
	logits, err := s.Append(ctx, []int32{1, 400, 300, 200, 100, 50, 60, 70}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var rates []float64
	for part := 0; part < 5; part++ {
		steps := 0
		start := time.Now()
		for steps < 2 || steps < 16 && time.Since(start) < 400*time.Millisecond {
			steps++
			best := 0
			for j, v := range logits {
				if v > logits[best] {
					best = j
				}
			}
			if logits, err = s.Append(ctx, []int32{int32(best)}, 0); err != nil {
				t.Fatal(err)
			}
		}
		rates = append(rates, float64(steps)/time.Since(start).Seconds())
	}
	slices.Sort(rates)
	return rates[len(rates)/2]
}
