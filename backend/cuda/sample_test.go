package cuda

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/sample"
)

var _ backend.TopKer = (*Device)(nil)

// refTopK is the plain reference: columns sorted by value, larger first,
// lower column first on ties (−0 equals +0), NaN after everything.
func refTopK(row []float32, k int) []int32 {
	idx := make([]int32, len(row))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		va, vb := row[a], row[b]
		switch {
		case va != va && vb != vb:
			return 0
		case va != va:
			return 1
		case vb != vb:
			return -1
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
	return idx[:k]
}

// sameFloat: equal bits, or both NaN.
func sameFloat(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// kernelsFor are the top-k kernels that can select k.
func kernelsFor(k int) []string {
	switch {
	case k == 1:
		return []string{kernelArgMax, kernelArgMax2, kernelTopPart, kernelTopPartE, kernelTopRadix}
	case k <= partMaxK:
		return []string{kernelTopPart, kernelTopPartE, kernelTopRadix}
	}
	return []string{kernelTopRadix}
}

// topKOn runs the TopK op with kernel on x (rows×cols on dev) and downloads
// its results, with the ids an I32 view of the values' buffer as the
// model makes them.
func topKOn(t testing.TB, dev *Device, x *backend.Tensor, k int, kernel string) (ids []int32, vals []float32) {
	t.Helper()
	n := x.Rows * k
	buf, err := dev.Alloc(quant.F32, 1, 2*n)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(buf)
	vt, _ := backend.NewTensor(buf.Buf, 0, quant.F32, x.Rows, k)
	it, _ := backend.NewTensor(buf.Buf, 4*n, quant.I32, x.Rows, k)
	if err := dev.topK(vt, it, x, kernel); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 2*n)
	if err := dev.Download(f32Bytes(out), buf); err != nil {
		t.Fatal(err)
	}
	ids = make([]int32, n)
	for i, f := range out[n:] {
		ids[i] = int32(math.Float32bits(f))
	}
	return ids, out[:n]
}

// specialRow puts ties (copies of other values, a repeated maximum),
// signed zeros, infinities and NaN into row, as kind asks.
func specialRow(rng *rand.Rand, row []float32, kind int) {
	cols := len(row)
	if cols <= 4 {
		return
	}
	for range cols / 10 {
		row[rng.IntN(cols)] = row[rng.IntN(cols)]
	}
	row[rng.IntN(cols)] = slices.Max(row)
	switch kind {
	case 1: // zeros of both signs, -Inf
		for range cols/20 + 1 {
			row[rng.IntN(cols)] = 0
			row[rng.IntN(cols)] = float32(math.Copysign(0, -1))
			row[rng.IntN(cols)] = float32(math.Inf(-1))
		}
	case 2: // mostly NaN and -Inf: the top k reaches into them
		for i := range row {
			switch rng.IntN(10) {
			case 0:
			case 1, 2:
				row[i] = float32(math.Inf(-1))
			default:
				row[i] = float32(math.NaN())
			}
		}
	case 3: // +Inf ties at the top
		for range 3 {
			row[rng.IntN(cols)] = float32(math.Inf(1))
		}
	case 4: // few distinct values: long runs of ties at the k-th value
		for i := range row {
			row[i] = float32(rng.IntN(4))
		}
	}
}

func TestSampling(t *testing.T) {
	dev := gpu(t)
	rng := rand.New(rand.NewPCG(12, 12))
	for _, s := range []struct{ rows, cols int }{{1, 1}, {3, 77}, {2, 1000}, {5, 1007}, {2, 2048}, {3, 2049}, {4, 32000}, {1, 128256}, {3, 128256}} {
		v := randF32(rng, s.rows*s.cols, 8)
		for r := range s.rows {
			specialRow(rng, v[r*s.cols:(r+1)*s.cols], r%5)
		}
		x, err := dev.Alloc(quant.F32, s.rows, s.cols)
		if err != nil {
			t.Fatal(err)
		}
		defer dev.Free(x)
		if err := dev.Upload(x, f32Bytes(v)); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%dx%d", s.rows, s.cols)

		for _, k := range []int{1, 2, 7, 40, 64, 256, 257, 1000, 1024} {
			if k > s.cols {
				continue
			}
			wants := make([][]int32, s.rows)
			for r := range s.rows {
				wants[r] = refTopK(v[r*s.cols:(r+1)*s.cols], k)
			}
			for _, kernel := range kernelsFor(k) {
				ids, vals := topKOn(t, dev, x, k, kernel)
				for r := range s.rows {
					row := v[r*s.cols : (r+1)*s.cols]
					want := wants[r]
					got := ids[r*k : (r+1)*k]
					if !slices.Equal(got, want) {
						t.Errorf("%s %s row %d (kind %d): top %d = %v…, want %v…", name, kernel, r, r%5, k, got[:min(k, 8)], want[:min(k, 8)])
						continue
					}
					for i, id := range got {
						if !sameFloat(vals[r*k+i], row[id]) {
							t.Errorf("%s %s row %d: top %d value %d is %v, want %v", name, kernel, r, k, i, vals[r*k+i], row[id])
							break
						}
					}
				}
			}
		}

		for _, scale := range []float32{1, 1 / 0.7} {
			out, err := dev.Alloc(quant.F32, s.rows, s.cols)
			if err != nil {
				t.Fatal(err)
			}
			defer dev.Free(out)
			if err := dev.Softmax(out, x, scale); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, s.rows*s.cols)
			if err := dev.Download(f32Bytes(got), out); err != nil {
				t.Fatal(err)
			}
			var worst float64
			for r := range s.rows {
				if kind := r % 5; s.cols > 4 && (kind == 2 || kind == 3) {
					continue // NaN, +Inf
				}
				row := v[r*s.cols : (r+1)*s.cols]
				mx := math.Inf(-1)
				for _, e := range row {
					mx = max(mx, float64(scale)*float64(e))
				}
				var sum float64
				for _, e := range row {
					sum += math.Exp(float64(scale)*float64(e) - mx)
				}
				for c, e := range row {
					want := math.Exp(float64(scale)*float64(e)-mx) / sum
					worst = max(worst, math.Abs(float64(got[r*s.cols+c])-want)/max(want, 1e-30))
				}
			}
			if worst > 1e-4 {
				t.Errorf("%s softmax ×%g: relative error %.3g", name, scale, worst)
			}
		}
	}
}

// TestTopKDeclines: k past the limits is ErrSkip, bad shapes an error.
func TestTopKDeclines(t *testing.T) {
	dev := gpu(t)
	x, err := dev.Alloc(quant.F32, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(x)
	buf, err := dev.Alloc(quant.F32, 1, 4*maxTopK)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(buf)
	view := func(typ quant.Type, rows, k int) *backend.Tensor {
		v, err := backend.NewTensor(buf.Buf, 0, typ, rows, k)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, k := range []int{0, 6} {
		if err := dev.TopK(view(quant.F32, 2, k), view(quant.I32, 2, k), x); !errors.Is(err, backend.ErrSkip) {
			t.Errorf("top %d of 5: %v, want ErrSkip", k, err)
		}
	}
	if err := dev.TopK(view(quant.F32, 1, 3), view(quant.I32, 1, 3), x); err == nil || errors.Is(err, backend.ErrSkip) {
		t.Errorf("1 row of results for 2: %v", err)
	}
	if err := dev.TopK(view(quant.F32, 2, 3), view(quant.F32, 2, 3), x); err == nil {
		t.Error("F32 ids accepted")
	}
	if err := dev.topK(view(quant.F32, 2, 3), view(quant.I32, 2, 3), x, kernelArgMax); err == nil {
		t.Error("argmax kernel accepted for the top 3")
	}
}

// TestTopKStep selects inside recorded steps: new logits are uploaded
// before each step, which runs op by op, is recorded, then replayed; the
// results must follow the data.
func TestTopKStep(t *testing.T) {
	dev := gpu(t)
	defer dev.SetGraphs(true)
	dev.SetGraphs(true)
	rng := rand.New(rand.NewPCG(13, 13))
	const rows, cols = 2, 32000
	x, err := dev.Alloc(quant.F32, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Free(x)
	for _, k := range []int{1, 40} {
		n := rows * k
		buf, err := dev.Alloc(quant.F32, 1, 2*n)
		if err != nil {
			t.Fatal(err)
		}
		defer dev.Free(buf)
		vt, _ := backend.NewTensor(buf.Buf, 0, quant.F32, rows, k)
		it, _ := backend.NewTensor(buf.Buf, 4*n, quant.I32, rows, k)
		replayed := dev.gs.replayed
		for step := range 5 {
			v := randF32(rng, rows*cols, 8)
			for r := range rows {
				specialRow(rng, v[r*cols:(r+1)*cols], (step+r)%5)
			}
			if err := dev.Upload(x, f32Bytes(v)); err != nil {
				t.Fatal(err)
			}
			if err := dev.Step(fmt.Sprintf("topk-test/%d", k), func() error { return dev.TopK(vt, it, x) }); err != nil {
				t.Fatal(err)
			}
			out := make([]float32, 2*n)
			if err := dev.Download(f32Bytes(out), buf); err != nil {
				t.Fatal(err)
			}
			for r := range rows {
				want := refTopK(v[r*cols:(r+1)*cols], k)
				for i, w := range want {
					got := int32(math.Float32bits(out[n+r*k+i]))
					if got != w || !sameFloat(out[r*k+i], v[r*cols+int(w)]) {
						t.Fatalf("top %d, step %d, row %d: candidate %d is %d (%v), want %d (%v)", k, step, r, i, got, out[r*k+i], w, v[r*cols+int(w)])
					}
				}
			}
		}
		if got := dev.gs.replayed - replayed; got != 3 {
			t.Errorf("top %d: %d replays, want 3", k, got)
		}
	}
}

// TestModelTopK decodes stories260K on the GPU with recorded steps, the
// logits' best candidates selected on the device (ForwardTopK through
// AppendTopK), beside a sequence that downloads its logits: the candidates
// must be those of a sort of the logits, bit for bit (the same kernels
// compute both), and the greedy tokens equal.
func TestModelTopK(t *testing.T) {
	dev := gpu(t)
	defer dev.SetGraphs(true)
	dev.SetGraphs(true)
	m := loadOn(t, dev, testdata.Path(t, "stories260K", "stories260K-f32.gguf"))
	if got := m.MaxTopK(); got < 40 {
		t.Fatalf("MaxTopK %d, want at least 40", got)
	}
	ctx := context.Background()
	for _, k := range []int{1, 40} {
		full, err := m.NewSequence(64)
		if err != nil {
			t.Fatal(err)
		}
		defer full.Free()
		top, err := m.NewSequence(64)
		if err != nil {
			t.Fatal(err)
		}
		defer top.Free()
		next := []int32{1, 403, 407, 261, 378}
		var vals []float32
		var ids []int32
		for step := range 24 {
			logits, err := full.Append(ctx, next, 0)
			if err != nil {
				t.Fatal(err)
			}
			if vals, ids, err = top.AppendTopK(ctx, next, 0, k, vals, ids); err != nil {
				t.Fatal(err)
			}
			want := refTopK(logits, k)
			for i, w := range want {
				if ids[i] != w || !sameFloat(vals[i], logits[w]) {
					t.Fatalf("top %d, step %d: candidate %d is %d (%v), want %d (%v)", k, step, i, ids[i], vals[i], w, logits[w])
				}
			}
			next = []int32{ids[0]}
		}
	}
}

// EnvSampleModel names a GGUF file that BenchmarkDecodeSample decodes on
// the GPU; it skips when unset.
const EnvSampleModel = "TERN_SAMPLE_MODEL"

// BenchmarkTopK times the selection of one step's candidates by each
// kernel: rows of logits of a 32k and a 128k vocabulary, k = 1, 40, 256.
func BenchmarkTopK(b *testing.B) {
	dev := gpu(b)
	rng := rand.New(rand.NewPCG(14, 14))
	for _, s := range []struct{ rows, cols int }{{1, 32000}, {1, 128256}, {32, 32000}} {
		x, err := dev.Alloc(quant.F32, s.rows, s.cols)
		if err != nil {
			b.Fatal(err)
		}
		defer dev.Free(x)
		v := randF32(rng, s.rows*s.cols, 12)
		if err := dev.Upload(x, f32Bytes(v)); err != nil {
			b.Fatal(err)
		}
		for _, kk := range []struct {
			k      int
			kernel string
		}{{1, kernelArgMax2}, {40, kernelTopPart}, {40, kernelTopPartE}, {64, kernelTopPart}, {64, kernelTopPartE}, {256, kernelTopPart}} {
			k, kernel := kk.k, kk.kernel
			b.Run(fmt.Sprintf("%dx%d/k%d/%s", s.rows, s.cols, k, kernel), func(b *testing.B) {
				n := s.rows * k
				buf, err := dev.Alloc(quant.F32, 1, 2*n)
				if err != nil {
					b.Fatal(err)
				}
				defer dev.Free(buf)
				vt, _ := backend.NewTensor(buf.Buf, 0, quant.F32, s.rows, k)
				it, _ := backend.NewTensor(buf.Buf, 4*n, quant.I32, s.rows, k)
				for range b.N {
					if err := dev.topK(vt, it, x, kernel); err != nil {
						b.Fatal(err)
					}
				}
				if err := dev.Sync(); err != nil {
					b.Fatal(err)
				}
				per := gpuPerOp(b, dev, func(int) error { return dev.topK(vt, it, x, kernel) })
				b.ReportMetric(per*1e6, "gpu-µs/op")
			})
		}
	}
}

// BenchmarkDecodeSample decodes 256 tokens of the model named by
// $TERN_SAMPLE_MODEL per b.N at batch 1, sampling on the host from the
// downloaded logits ("full") or from candidates selected on the GPU
// ("top"), greedily and with tern run's sampling at --temp 0.8 (top-k 40,
// top-p 0.95, min-p 0.05), also with a repeat penalty of 1.1 (whose 64
// recent tokens add to the candidates, which mostly takes the top path
// past model.MaxTopK, to the logits). The two paths must give the same
// tokens.
func BenchmarkDecodeSample(b *testing.B) {
	path := os.Getenv(EnvSampleModel)
	if path == "" {
		b.Skipf("$%s names no model", EnvSampleModel)
	}
	dev := gpu(b)
	dev.SetGraphs(true)
	m := loadOn(b, dev, path)
	const tokens = 256
	for _, ps := range []struct {
		name string
		p    sample.Params
	}{
		{"greedy", sample.Params{}},
		{"top40", sample.Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, Seed: 7}},
		{"top40-repeat", sample.Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1, Seed: 7}},
	} {
		var ref []int32
		for _, onDevice := range []bool{false, true} {
			name := ps.name + "/full"
			if onDevice {
				name = ps.name + "/top"
			}
			b.Run(name, func(b *testing.B) {
				var got []int32
				var elapsed time.Duration
				for range b.N {
					var d time.Duration
					got, d = decodeSampled(b, m, ps.p, tokens, onDevice)
					elapsed += d
				}
				b.ReportMetric(float64(tokens*b.N)/elapsed.Seconds(), "tokens/s")
				if ref == nil {
					ref = got
				} else if !slices.Equal(got, ref) {
					b.Errorf("tokens from candidates differ from the full path's: %v…, want %v…", got[:16], ref[:16])
				}
			})
		}
	}
}

// decodeSampled decodes n tokens after a 4-token prompt and returns them
// and the time the n decode steps took (after 8 warm-up steps).
func decodeSampled(b *testing.B, m *model.Model, p sample.Params, n int, onDevice bool) ([]int32, time.Duration) {
	const warm = 8
	ctx := context.Background()
	s, err := m.NewSequence(n + warm + 8)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Free()
	smp, err := sample.New(p)
	if err != nil {
		b.Fatal(err)
	}
	prompt := []int32{1, 100, 200, 300}
	smp.AcceptPrompt(prompt...)
	var logits, vals []float32
	var ids []int32
	next := func(toks []int32) int32 {
		var id int32
		// asked at every step: penalties add the tokens they touch; as
		// tern run, the logits are downloaded when k is past MaxTopK
		if k := smp.Candidates(m.Vocab()); onDevice && k > 0 && k <= m.MaxTopK() {
			vals, ids, err = s.AppendTopK(ctx, toks, 0, k, vals, ids)
			if err == nil {
				id, err = smp.SampleTop(vals, ids, m.Vocab())
			}
		} else {
			logits, err = s.Append(ctx, toks, 0)
			if err == nil {
				id, err = smp.Sample(logits)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		smp.Accept(id)
		return id
	}
	id := next(prompt)
	var out []int32
	var start time.Time
	for i := range warm + n {
		if i == warm {
			start = time.Now()
			out = out[:0]
		}
		out = append(out, id)
		id = next([]int32{id})
	}
	return out, time.Since(start)
}
