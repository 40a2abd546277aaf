package cuda

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
)

// BenchmarkFusedDecode measures decode at batch 1 (with recorded steps) of
// the models of $TERN_BENCH_MODELS with the plain ops ("plain": no
// AddRMSNorm, RoPEStore or converting attention), with AddRMSNorm and
// RoPEStore ("fused-ops"), and with the attention converting its output
// too ("fused"), in turn for three rounds, reporting each variant's best
// tokens/s and the median GPU time of a token.
func BenchmarkFusedDecode(b *testing.B) {
	files := os.Getenv(EnvBenchModels)
	if files == "" {
		b.Skipf("$%s names no models", EnvBenchModels)
	}
	dev := gpu(b)
	defer func() { attFuse = true }()
	for _, path := range strings.Split(files, ",") {
		b.Run(filepath.Base(path), func(b *testing.B) {
			f, err := gguf.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			c, err := model.ReadConfig(f)
			if err != nil {
				b.Fatal(err)
			}
			variants := []struct {
				name string
				d    backend.Device
				att  bool
			}{{"plain", unfused{dev, dev, dev}, false}, {"fused-ops", dev, false}, {"fused", dev, true}}
			models := make([]*model.Model, len(variants))
			for i, v := range variants {
				if models[i], err = model.Load(f, model.OnDevice(v.d, c.Layers)); err != nil {
					b.Fatal(err)
				}
				defer models[i].Close()
			}
			best := make([]float64, len(variants))
			gpus := make([][]float64, len(variants))
			for range 3 {
				for i, v := range variants {
					attFuse = v.att
					tps, g := fusedDecode(b, dev, models[i], decodeTokens*b.N)
					best[i] = max(best[i], tps)
					gpus[i] = append(gpus[i], g...)
				}
			}
			for i, v := range variants {
				slices.Sort(gpus[i])
				b.ReportMetric(best[i], v.name+"-tokens/s")
				b.ReportMetric(gpus[i][len(gpus[i])/2]*1e6, v.name+"-gpu-µs/token")
			}
		})
	}
}

// fusedDecode decodes n tokens greedily after an 8-token warm-up and
// returns tokens/s and the GPU times of 5 more tokens.
func fusedDecode(b *testing.B, dev *Device, m *model.Model, n int) (float64, []float64) {
	const warm = 8
	s, err := m.NewSequence(n + warm + 10)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Free()
	logits, err := s.Append(context.Background(), []int32{1}, 0)
	if err != nil {
		b.Fatal(err)
	}
	var start time.Time
	for i := range warm + n {
		if i == warm {
			start = time.Now()
		}
		if logits, err = s.Append(context.Background(), []int32{argmax(logits)}, 0); err != nil {
			b.Fatal(err)
		}
	}
	tps := float64(n) / time.Since(start).Seconds()
	var gpu []float64
	for range 5 {
		t, err := dev.gpuTime(func() error {
			logits, err = s.Append(context.Background(), []int32{argmax(logits)}, 0)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		gpu = append(gpu, t.Seconds())
	}
	return tps, gpu
}

// BenchmarkDecodeOps times the ops the fused kernels replace against the
// fused kernels, at the 1.1B model's decode shapes (one token, dim 2048,
// FFN 5632, 32 query heads and 4 KV heads of 64, a 256-position context,
// an F32 cache): GPU time of the group of ops, run back to back (gpuPerOp), with
// the outputs converted to Q8_0 for the next product as in a Q4_0 model.
func BenchmarkDecodeOps(b *testing.B) {
	dev, host := gpu(b), cpu.New(2)
	rng := rand.New(rand.NewPCG(25, 25))
	const dim, heads, kvh, hd, ctx, bs = 2048, 32, 4, 64, 256, 16
	x := f32Pair(b, host, dev, 1, dim, randF32(rng, dim, 1))
	y := f32Pair(b, host, dev, 1, dim, randF32(rng, dim, 1e-3))
	w := f32Pair(b, host, dev, 1, dim, randF32(rng, dim, 1))
	xn := f32Pair(b, host, dev, 1, dim, nil)
	q := f32Pair(b, host, dev, 1, heads*hd, randF32(rng, heads*hd, 1))
	k := f32Pair(b, host, dev, 1, kvh*hd, randF32(rng, kvh*hd, 1))
	v := f32Pair(b, host, dev, 1, kvh*hd, randF32(rng, kvh*hd, 1))
	att := f32Pair(b, host, dev, 1, heads*hd, nil)
	kc := f32Pair(b, host, dev, ctx, kvh*hd, randF32(rng, ctx*kvh*hd, 1))
	vc := f32Pair(b, host, dev, ctx, kvh*hd, randF32(rng, ctx*kvh*hd, 1))
	table := make([]int32, ctx/bs)
	for i := range table {
		table[i] = int32(i)
	}
	bt := &backend.Batch{Pos: []int32{ctx - 1}, Seq: []int32{0}, Slots: []int32{ctx - 1}, Tables: [][]int32{table}, BlockSize: bs}
	r := &backend.RoPE{Dims: hd, Base: 10000}
	at := &backend.Attn{Heads: heads, KVHeads: kvh, HeadDim: hd, Scale: 0.125}
	gate := f32Pair(b, host, dev, 1, 5632, randF32(rng, 5632, 1))
	up := f32Pair(b, host, dev, 1, 5632, randF32(rng, 5632, 1))
	act := f32Pair(b, host, dev, 1, 5632, nil)
	const q8 = "quantize_q8_0"
	for _, tc := range []struct {
		name string
		op   func() error
	}{
		{"add+rmsnorm_q8_0", func() error {
			dev.convHint = q8
			if err := dev.Add(x.g, x.g, y.g); err != nil {
				return err
			}
			return dev.RMSNorm(xn.g, x.g, w.g, 1e-5)
		}},
		{"rmsnorm+quantize_q8_0", func() error {
			writeConvFuse = false
			defer func() { writeConvFuse = true }()
			if err := dev.RMSNorm(xn.g, x.g, w.g, 1e-5); err != nil {
				return err
			}
			p, err := dev.f32ptr(xn.g)
			if err != nil {
				return err
			}
			_, _, err = dev.convert(q8, p, 1, dim)
			return err
		}},
		{"rmsnorm_q8_0", func() error {
			dev.convHint = q8
			return dev.RMSNorm(xn.g, x.g, w.g, 1e-5)
		}},
		{"add_rmsnorm_f32", func() error {
			dev.convHint = ""
			return dev.AddRMSNorm(x.g, y.g, xn.g, w.g, 1e-5)
		}},
		{"add_rmsnorm_q8_0", func() error {
			dev.convHint = q8
			return dev.AddRMSNorm(x.g, y.g, xn.g, w.g, 1e-5)
		}},
		{"rope+rope+store_kv", func() error {
			if err := dev.RoPE(q.g, heads, r, bt); err != nil {
				return err
			}
			if err := dev.RoPE(k.g, kvh, r, bt); err != nil {
				return err
			}
			return dev.StoreKV(kc.g, vc.g, k.g, v.g, bt)
		}},
		{"rope_store", func() error {
			return dev.RoPEStore(q.g, k.g, v.g, kc.g, vc.g, at, r, bt)
		}},
		{"attention+quantize_q8_0", func() error {
			dev.convHint = ""
			if err := dev.Attention(att.g, q.g, kc.g, vc.g, at, bt); err != nil {
				return err
			}
			p, err := dev.f32ptr(att.g)
			if err != nil {
				return err
			}
			_, _, err = dev.convert(q8, p, 1, heads*hd)
			return err
		}},
		{"attention_quantize_q8_0", func() error {
			dev.convHint = q8
			return dev.Attention(att.g, q.g, kc.g, vc.g, at, bt)
		}},
		{"swiglu_q8_0", func() error {
			dev.convHint = q8
			return dev.SwiGLU(act.g, gate.g, up.g)
		}},
		{"attention", func() error {
			dev.convHint = ""
			return dev.Attention(att.g, q.g, kc.g, vc.g, at, bt)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				if err := tc.op(); err != nil {
					b.Fatal(err)
				}
			}
			if err := dev.Sync(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(gpuPerOp(b, dev, func(int) error { return tc.op() })*1e6, "gpu-µs/op")
		})
	}
	dev.forget()
}
