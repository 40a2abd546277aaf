package cuda

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/quant"
)

// benchBytes is the least weight data a benchmark cycles through, larger
// than any GPU's L2 cache, so that it measures device memory.
const benchBytes = 512 << 20

// BenchmarkCopy is the bandwidth ceiling: a device-to-device copy of 1 GiB
// (bytes counted once read and once written).
func BenchmarkCopy(b *testing.B) {
	dev := gpu(b)
	const n = 1 << 30
	src, err := dev.Alloc(quant.F32, n/4/1024, 1024)
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Free(src)
	dst, err := dev.Alloc(quant.F32, n/4/1024, 1024)
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Free(dst)
	sp, _ := dev.ptr(src)
	dp, _ := dev.ptr(dst)
	b.SetBytes(2 * n)
	b.ResetTimer()
	for range b.N {
		if err := dev.copyDevice(dp, sp, n); err != nil {
			b.Fatal(err)
		}
	}
	if err := dev.Sync(); err != nil {
		b.Fatal(err)
	}
}

// matVecShapes are the m×k weight shapes of the products of an 8B llama
// (attention, FFN up and down) and of a 1.1B one (attention, k and v,
// FFN up and down).
var matVecShapes = []struct{ m, k int }{
	{4096, 4096}, {14336, 4096}, {4096, 14336},
	{2048, 2048}, {256, 2048}, {5632, 2048}, {2048, 5632},
}

// BenchmarkMatVec times one token's product with weights of the shapes of
// matVecShapes, cycling through enough copies of the weights to miss the
// L2 cache. Bytes are the weight bytes.
func BenchmarkMatVec(b *testing.B) {
	dev := gpu(b)
	rng := rand.New(rand.NewPCG(9, 9))
	for _, typ := range weightTypes {
		for _, s := range matVecShapes {
			for _, n := range []int{1, 8} {
				b.Run(fmt.Sprintf("%s/%dx%d/n%d", typ, s.m, s.k, n), func(b *testing.B) {
					ws := randomWeights(b, dev, rng, typ, s.m, s.k)
					x, err := dev.Alloc(quant.F32, n, s.k)
					if err != nil {
						b.Fatal(err)
					}
					defer dev.Free(x)
					if err := dev.Upload(x, f32Bytes(randF32(rng, n*s.k, 1))); err != nil {
						b.Fatal(err)
					}
					out, err := dev.Alloc(quant.F32, n, s.m)
					if err != nil {
						b.Fatal(err)
					}
					defer dev.Free(out)
					b.SetBytes(int64(ws[0].Bytes()))
					for i := range 3 { // warm up
						if err := dev.MatMul(out, x, ws[i%len(ws)]); err != nil {
							b.Fatal(err)
						}
					}
					if err := dev.Sync(); err != nil {
						b.Fatal(err)
					}
					b.ResetTimer()
					for i := range b.N {
						if err := dev.MatMul(out, x, ws[i%len(ws)]); err != nil {
							b.Fatal(err)
						}
					}
					if err := dev.Sync(); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					per := gpuPerOp(b, dev, func(i int) error { return dev.MatMul(out, x, ws[i%len(ws)]) })
					b.ReportMetric(per*1e6, "gpu-µs/op")
					b.ReportMetric(float64(ws[0].Bytes())/per/1e9, "gpu-GB/s")
				})
			}
		}
	}
}

// BenchmarkMatVecShared times one token's fused products of one input
// (MatMulShared: q, k, v and gate, up of an 8B and a 1.1B llama), cycling
// through enough copies of the weights to miss the L2 cache. Bytes are the
// weight bytes of one call.
func BenchmarkMatVecShared(b *testing.B) {
	dev := gpu(b)
	rng := rand.New(rand.NewPCG(10, 10))
	for _, typ := range weightTypes {
		for _, s := range []struct {
			name string
			k    int
			ms   []int
		}{
			{"8B-qkv", 4096, []int{4096, 1024, 1024}}, {"8B-gateup", 4096, []int{14336, 14336}},
			{"1.1B-qkv", 2048, []int{2048, 256, 256}}, {"1.1B-gateup", 2048, []int{5632, 5632}},
		} {
			b.Run(fmt.Sprintf("%s/%s", typ, s.name), func(b *testing.B) {
				var sets [][]*backend.Tensor // sets[i][p]: copy i of product p
				var outs []*backend.Tensor
				total := 0
				for _, m := range s.ms {
					ws := randomWeights(b, dev, rng, typ, m, s.k)
					for i, w := range ws {
						if i == len(sets) {
							sets = append(sets, nil)
						}
						sets[i] = append(sets[i], w)
					}
					total += ws[0].Bytes()
					out, err := dev.Alloc(quant.F32, 1, m)
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { dev.Free(out) })
					outs = append(outs, out)
				}
				for len(sets[len(sets)-1]) < len(s.ms) { // copies every product has
					sets = sets[:len(sets)-1]
				}
				x, err := dev.Alloc(quant.F32, 1, s.k)
				if err != nil {
					b.Fatal(err)
				}
				defer dev.Free(x)
				if err := dev.Upload(x, f32Bytes(randF32(rng, s.k, 1))); err != nil {
					b.Fatal(err)
				}
				op := func(i int) error { return dev.MatMulShared(outs, x, sets[i%len(sets)]) }
				b.SetBytes(int64(total))
				for i := range b.N {
					if err := op(i); err != nil {
						b.Fatal(err)
					}
				}
				if err := dev.Sync(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				per := gpuPerOp(b, dev, op)
				b.ReportMetric(per*1e6, "gpu-µs/op")
				b.ReportMetric(float64(total)/per/1e9, "gpu-GB/s")
			})
		}
	}
}

// gpuPerOp is the GPU time of one op, in seconds: the median over batches
// of 128 ops queued behind a spinning kernel, so that the GPU runs them back
// to back whatever the host's cost per launch.
func gpuPerOp(b *testing.B, dev *Device, op func(i int) error) float64 {
	const batch, rounds = 128, 9
	var per []float64
	for r := range rounds {
		if err := dev.hold(batch * 30 * time.Microsecond); err != nil {
			b.Fatal(err)
		}
		t, err := dev.gpuTime(func() error {
			for i := range batch {
				if err := op(r*batch + i); err != nil {
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

// randomWeights makes copies of an m×k weight of random values (64 random
// rows repeated) until they hold benchBytes: one upload, then copies on
// the device (uploading each took most of a benchmark's time).
func randomWeights(b *testing.B, dev *Device, rng *rand.Rand, typ quant.Type, m, k int) []*backend.Tensor {
	const distinct = 64
	rows := encode(b, typ, distinct, k, randF32(rng, distinct*k, 0.5))
	rb, _ := typ.RowBytes(k)
	data := make([]byte, m*rb)
	for r := 0; r < m; r++ {
		copy(data[r*rb:], rows[(r%distinct)*rb:(r%distinct+1)*rb])
	}
	var ws []*backend.Tensor
	var first uint64
	for total := 0; total < benchBytes; total += len(data) {
		w, err := dev.Alloc(typ, m, k)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { dev.Free(w) })
		p, err := dev.ptr(w)
		if err != nil {
			b.Fatal(err)
		}
		if len(ws) == 0 {
			err, first = dev.Upload(w, data), p
		} else {
			err = dev.copyDevice(p, first, w.Bytes())
		}
		if err != nil {
			b.Fatal(err)
		}
		ws = append(ws, w)
	}
	if err := dev.Sync(); err != nil {
		b.Fatal(err)
	}
	return ws
}

// BenchmarkOp is the cost of one small op: launch and queueing overhead.
func BenchmarkOp(b *testing.B) {
	dev := gpu(b)
	x, err := dev.Alloc(quant.F32, 1, 64)
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Free(x)
	for range b.N {
		if err := dev.Add(x, x, x); err != nil {
			b.Fatal(err)
		}
	}
	if err := dev.Sync(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	per := gpuPerOp(b, dev, func(int) error { return dev.Add(x, x, x) })
	b.ReportMetric(per*1e6, "gpu-µs/op")
}

// BenchmarkDecodeStories260K is one greedy decode step of a tiny model, all
// overhead: about 90 op calls per token.
func BenchmarkDecodeStories260K(b *testing.B) {
	dev := gpu(b)
	m := loadOn(b, dev, testdata.Path(b, "stories260K", "stories260K-Q8_0.gguf"))
	s, err := m.NewSequence(m.Config.ContextLen)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { s.Free() }()
	logits, err := s.Append(context.Background(), []int32{1}, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if s.Len() == s.Cap() {
			b.StopTimer()
			s.Free()
			if s, err = m.NewSequence(m.Config.ContextLen); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if logits, err = s.Append(context.Background(), []int32{argmax(logits)}, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkDriverCall is the cost of one driver call through purego
// (cuCtxSetCurrent of the current context) on a locked thread.
func BenchmarkDriverCall(b *testing.B) {
	dev := gpu(b)
	unlock, err := dev.enter()
	if err != nil {
		b.Fatal(err)
	}
	defer unlock()
	for range b.N {
		if err := dev.drv.call(fnCtxSetCurrent, dev.ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQ6KRows times one token's Q6_K product over rows that are only
// 4-byte aligned (an even number of blocks, not a multiple of 8) on
// mv_q6_k_1_w4 and on mv_q6_k_row's 2-byte loads ("w4" and "row"), for
// row lengths of real models (Qwen2.5 1.5B's 1536, Llama 3.2 3B's 3072, …)
// and few or many rows (the output head): q6kW4 off and on.
func BenchmarkQ6KRows(b *testing.B) {
	dev := gpu(b)
	rng := rand.New(rand.NewPCG(12, 12))
	defer func(v bool) { q6kW4 = v }(q6kW4)
	for _, k := range []int{1536, 3072, 3584, 4608, 5120, 5632, 13824, 18944} {
		for _, m := range []int{2048, 16384, 151936} {
			if m == 151936 && k > 5120 {
				continue
			}
			ws := randomWeights(b, dev, rng, quant.Q6_K, m, k)
			x, err := dev.Alloc(quant.F32, 1, k)
			if err != nil {
				b.Fatal(err)
			}
			if err := dev.Upload(x, f32Bytes(randF32(rng, k, 1))); err != nil {
				b.Fatal(err)
			}
			out, err := dev.Alloc(quant.F32, 1, m)
			if err != nil {
				b.Fatal(err)
			}
			for _, path := range []string{"row", "w4"} {
				q6kW4 = path == "w4"
				b.Run(fmt.Sprintf("%dx%d/%s", m, k, path), func(b *testing.B) {
					per := gpuPerOp(b, dev, func(i int) error { return dev.MatMul(out, x, ws[i%len(ws)]) })
					b.ReportMetric(per*1e6, "gpu-µs/op")
					b.ReportMetric(float64(ws[0].Bytes())/per/1e9, "gpu-GB/s")
				})
			}
			dev.Free(out)
			dev.Free(x)
		}
	}
}
