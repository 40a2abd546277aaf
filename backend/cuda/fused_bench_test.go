package cuda

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
)

// BenchmarkFusedDecode measures decode at batch 1 (with recorded steps) of
// the models of $TERN_BENCH_MODELS with the plain ops ("plain": no
// AddRMSNorm, RoPEStore or converting attention), with the fused ops but
// plain attention ("fused-ops"), and with everything fused ("fused"), in
// turn for three rounds, reporting each variant's best tokens/s and the
// median GPU time of a token.
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
