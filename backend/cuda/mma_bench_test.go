package cuda

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// BenchmarkMMA times prompt-sized products (n = 512 and 2048 tokens; 2 to
// 64, as in batched decode) on the tensor cores with the weight shapes of an
// 8B and a 1.1B llama, per weight format and kernel family (see mmaCall: "auto" is what MatMul
// runs). The pipelined kernels' time includes the conversion of the
// activations to F16, redone for every product (a layer shares each
// conversion among up to three products). It reports GPU time per product
// TFLOP/s (2·n·m·k per product) and the weights' bytes over the time
// (what bounds a few-token product). Run it with -test.benchtime=1x: each
// sub-benchmark times its own batches.
func BenchmarkMMA(b *testing.B) {
	dev := gpu(b)
	// "auto" from 2 tokens on the tensor cores (below 16 on mmq.cu's 8-bit
	// activation kernels for the formats it has), to compare with "mv8"
	defer func(q, q4, h int) { mqXQMinTokens, mqXQMinTokensQ4_0, mmaHalfMinTokens = q, q4, h }(mqXQMinTokens, mqXQMinTokensQ4_0, mmaHalfMinTokens)
	mqXQMinTokens, mqXQMinTokensQ4_0, mmaHalfMinTokens = 2, 2, 2
	rng := rand.New(rand.NewPCG(11, 11))
	shapes := []struct {
		model string
		m, k  int
	}{
		{"8B", 4096, 4096}, {"8B", 14336, 4096}, {"8B", 4096, 14336},
		{"1.1B", 2048, 2048}, {"1.1B", 5632, 2048}, {"1.1B", 2048, 5632},
	}
	for _, typ := range mmaTypes {
		for _, s := range shapes {
			b.Run(fmt.Sprintf("%s/%s_%dx%d", typ, s.model, s.m, s.k), func(b *testing.B) {
				w := mmaBenchWeights(b, dev, rng, typ, s.m, s.k)
				wp, _ := dev.ptr(w)
				for _, n := range []int{2, 3, 4, 8, 12, 16, 32, 64, 512, 2048} {
					x := mmaBenchAlloc(b, dev, n, s.k)
					if err := dev.Upload(x, f32Bytes(randF32(rng, n*s.k, 1))); err != nil {
						b.Fatal(err)
					}
					out := mmaBenchAlloc(b, dev, n, s.m)
					for _, kernel := range mmaFamilies {
						if !mmaHas(dev, kernel, w, wp, n) {
							continue
						}
						b.Run(fmt.Sprintf("n%d/%s", n, kernel), func(b *testing.B) {
							per := mmaTime(b, dev, func() error {
								dev.conv.valid = false
								return mmaCall(dev, kernel, out, x, w)
							})
							b.ReportMetric(per*1e3, "gpu-ms/op")
							b.ReportMetric(2*float64(n)*float64(s.m)*float64(s.k)/per/1e12, "TFLOP/s")
							b.ReportMetric(float64(w.Bytes())/per/1e9, "weight-GB/s")
						})
					}
					dev.Free(out)
					dev.Free(x)
				}
			})
		}
	}
}

// mmaTime is the GPU time of one op, in seconds: the median of five batches
// of three, after two to warm up. Each batch is queued behind a kernel that
// spins for a millisecond, so that the GPU runs the ops back to back
// however long the host takes to queue them (small products at n = 64 take
// less GPU time than their launches take the host).
func mmaTime(b *testing.B, dev *Device, op func() error) float64 {
	for range 2 {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	const batch, rounds = 3, 5
	var per []float64
	for range rounds {
		if err := dev.hold(time.Millisecond); err != nil {
			b.Fatal(err)
		}
		t, err := dev.gpuTime(func() error {
			for range batch {
				if err := op(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		per = append(per, t.Seconds()/batch)
	}
	slices.Sort(per)
	return per[rounds/2]
}

// mmaBenchWeights uploads an m×k weight of typ: 64 random rows repeated.
func mmaBenchWeights(b *testing.B, dev *Device, rng *rand.Rand, typ quant.Type, m, k int) *backend.Tensor {
	const distinct = 64
	rows := encode(b, typ, distinct, k, randF32(rng, distinct*k, 0.5))
	rb, _ := typ.RowBytes(k)
	data := make([]byte, m*rb)
	for r := range m {
		copy(data[r*rb:], rows[(r%distinct)*rb:(r%distinct+1)*rb])
	}
	w, err := dev.Alloc(typ, m, k)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dev.Free(w) })
	if err := dev.Upload(w, data); err != nil {
		b.Fatal(err)
	}
	return w
}

func mmaBenchAlloc(b *testing.B, dev *Device, rows, cols int) *backend.Tensor {
	t, err := dev.Alloc(quant.F32, rows, cols)
	if err != nil {
		b.Fatal(err)
	}
	return t
}
