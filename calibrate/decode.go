package calibrate

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/budget"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

// Decode layers: on a device that records a step's kernels and replays
// them as one graph (backend.Stepper: a GPU), a decode step is the sum of
// its kernels' times, and a kernel of a 2048-wide layer costs a few
// microseconds whatever it does: a product's time is far from its bytes at
// the large-matrix rate, and attention, whose heads run side by side, is
// far from a cost per head. So such a device decodes probe models that
// have the layers of real models, in each format it has kernels for, as
// `tern run` decodes (behind a budget, top-1 selected on the device, the
// result downloaded each step), and the planner takes a layer's cost from
// the class of model nearest the one it plans.

// LayerClass is the shape of one transformer layer of a family of models.
type LayerClass struct {
	Name                              string
	Dim, FFN, Heads, KVHeads, HeadDim int
}

// LayerClasses are the layer shapes decode is measured on: Llama-3.2-1B's
// (also TinyLlama's width) and Llama-3.1-8B's, the two widths most models
// Tern runs on a GPU have or lie between.
var LayerClasses = []LayerClass{
	{Name: "llama-1b", Dim: 2048, FFN: 8192, Heads: 32, KVHeads: 8, HeadDim: 64},
	{Name: "llama-8b", Dim: 4096, FFN: 14336, Heads: 32, KVHeads: 8, HeadDim: 128},
}

// matrices are a layer's matrices, rows×cols: q, k, v, o, gate, up, down.
func (c LayerClass) matrices() [][2]int {
	q, kv := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	return [][2]int{{q, c.Dim}, {kv, c.Dim}, {kv, c.Dim}, {c.Dim, q}, {c.FFN, c.Dim}, {c.FFN, c.Dim}, {c.Dim, c.FFN}}
}

// params is the elements of a layer's matrices.
func (c LayerClass) params() int64 {
	var n int64
	for _, m := range c.matrices() {
		n += int64(m[0]) * int64(m[1])
	}
	return n
}

// layerBytes is the bytes of a layer's matrices in format t.
func (c LayerClass) layerBytes(t quant.Type) (int, error) {
	n := 0
	for _, m := range c.matrices() {
		rb, err := t.RowBytes(m[1])
		if err != nil {
			return 0, err
		}
		n += rb * m[0]
	}
	return n, nil
}

// LayerCost is the measured decode and prefill cost of one layer of a
// class with its matrices in one format (its norms F32), on a device that
// replays steps as graphs.
type LayerCost struct {
	Class    string `json:"class"`
	Dim      int    `json:"dim"`
	Format   string `json:"format"`
	Bytes    int64  `json:"bytes"`    // the layer's matrices
	Matrices int    `json:"matrices"` // how many
	// Graph is the seconds one layer adds to a decode step replayed as a
	// graph, with attention over no positions; Eager the same with the
	// step's ops launched one by one (a model split across devices runs
	// so: a graph records one device's kernels).
	Graph float64 `json:"graph"`
	Eager float64 `json:"eager"`
	// Attn is the seconds a layer's attention adds per attended position
	// (the class's, F32 KV cache; measured once per class).
	Attn float64 `json:"attn"`
	// StepGraph and StepEager are what a step costs beyond its layers and
	// its output product: the embedding, the output norm, the top-1
	// selection, the host's work and the result's download.
	StepGraph float64 `json:"step_graph"`
	StepEager float64 `json:"step_eager"`
	// Params is the layer's matrices' elements (its multiply-adds per
	// token). Prefill is the seconds one layer adds to a prefill step of
	// PrefillTokens tokens from position 0, op by op, its attention
	// included; PrefillStep what that step costs beyond its layers and its
	// one row of output.
	Params      int64   `json:"params"`
	Prefill     float64 `json:"prefill"`
	PrefillStep float64 `json:"prefill_step"`
}

// PrefillTokens is the prompt chunk of the prefill probe: the planner's
// default chunk (plan.DefaultPrefillChunk).
const PrefillTokens = 512

// Probe shapes of the decode measurement, with the reasons for their
// sizes.
const (
	// decodeVocab is the probe models' vocabulary: their output product
	// costs little beside the layers (it is subtracted, at the formula the
	// planner uses).
	decodeVocab = 256
	// decodeShallowBytes is the least weight bytes of the shallow probe:
	// above the L2 cache of an H100 (50 MiB), so that its layers come from
	// memory as a real model's do.
	decodeShallowBytes = 64 << 20
	// decodeMaxBytes bounds the weights of a class and format's two probe
	// models together, and so does a quarter of the device's free memory
	// (probeMaxBytes); a larger one (the 8B class in F32: 3.5 GB) is not
	// measured and the planner takes that format's cost from the others.
	// At 1 GiB the 8B class in F16 (1744 MiB) was not measured either, and
	// an H200 then decoded the 8B F16 at 115% of its plan's prediction and
	// prefilled at 135%, where every measured format came within 1-3%.
	decodeMaxBytes = 2 << 30
	// decodeExtraLayers is how many layers the deep probe has beyond the
	// shallow one: the difference of their steps is that many layers.
	decodeExtraLayers = 2
	// decodeFrom and decodeSpan: the probes decode at positions decodeFrom
	// to decodeFrom+decodeSpan in turn; decodeLong is where the deep one
	// decodes again to measure attention per position.
	decodeFrom, decodeSpan, decodeLong = 8, 32, 1024
)

// probeLayers is the layers of the shallow and deep probe models of a
// format whose layer is layerBytes: the shallow one at least one layer and
// shallowBytes, the deep one decodeExtraLayers more. ok is false when both
// together exceed maxBytes (probeMaxBytes).
func probeLayers(layerBytes, shallowBytes, maxBytes int) (shallow, deep int, ok bool) {
	shallow = max(1, (shallowBytes+layerBytes-1)/layerBytes)
	deep = shallow + decodeExtraLayers
	return shallow, deep, (shallow+deep)*layerBytes <= maxBytes
}

// probeMaxBytes is the most weight bytes of a class and format's two
// probe models on a device with free bytes free: decodeMaxBytes, or a
// quarter of free where that is less (the deep probe, its cache and
// scratch are loaded alone, but the device may be shared).
func probeMaxBytes(free uint64) int {
	return int(min(uint64(decodeMaxBytes), free/4))
}

// decodeLayers measures LayerCost (decode and prefill) for each class and
// each format with a matrix×vector rate in p (the rates must be measured
// already), the shallow probes of at least shallowBytes
// (decodeShallowBytes; tests make it small). next is called before each
// class and format's measurement (progress, the context's end). A device
// with a SetGraphs method is measured with graphs and without; others
// once, for both.
func decodeLayers(ctx context.Context, d backend.Device, p *Profile, classes []LayerClass, formats []quant.Type, shallowBytes int, step time.Duration, next func(string) error) ([]LayerCost, error) {
	// One buffer for every probe file, as large as the largest: fresh
	// memory is slow to fault in (a 700 MB file took 3 s to write the
	// first time, 50 ms the next).
	free, _, err := d.Memory()
	if err != nil {
		return nil, err
	}
	maxBytes := probeMaxBytes(free)
	most := 0
	for _, c := range classes {
		for _, t := range formats {
			if lb, err := c.layerBytes(t); err == nil && p.MatVec[t.String()] > 0 {
				if _, deep, ok := probeLayers(lb, shallowBytes, maxBytes); ok {
					most = max(most, deep*lb)
				}
			}
		}
	}
	pr := &prober{ctx: ctx, d: d, step: step, s: &scratch{}}
	defer pr.s.free()
	pr.s.bytes(most + most/8 + headerSlack) // the classes' embedding, norms and output: well under an eighth
	var out []LayerCost
	for _, c := range classes {
		attn := -1.0 // measured with the class's first format
		var costs []LayerCost
		for _, t := range formats {
			if err := next(fmt.Sprintf("decode %s %s", c.Name, t)); err != nil {
				return nil, err
			}
			rate := p.MatVec[t.String()]
			lb, err := c.layerBytes(t)
			if rate <= 0 || err != nil {
				continue
			}
			shallow, deep, ok := probeLayers(lb, shallowBytes, maxBytes)
			if !ok {
				continue
			}
			lc, a, err := pr.layer(c, t, shallow, deep, rate, attn)
			if err != nil {
				return nil, fmt.Errorf("decode %s %s: %w", c.Name, t, err)
			}
			attn = a
			lc.Bytes = int64(lb)
			costs = append(costs, lc)
		}
		for i := range costs {
			costs[i].Attn = attn
		}
		out = append(out, costs...)
	}
	return out, nil
}

// prober runs the probe models of decodeLayers.
type prober struct {
	ctx  context.Context
	d    backend.Device
	step time.Duration
	s    *scratch // the probe files
	// caches are every probe's KV cache, freed but kept: a step's graph
	// key names its cache by address (model's stepKey), and a later probe's
	// cache at a freed one's address would find that probe's graph, fail to
	// replay it, and after three such failures run its key op by op.
	caches []*model.Cache
}

// layer times decode steps of class c's probe models of shallow and
// deep layers in format t (each with graphs and without) and returns the
// layer's cost; attn is the attention cost per position when already
// measured for the class (else < 0: the deep probe decodes at decodeLong
// too) and is returned. rate is t's matrix×vector rate, which prices the
// probes' output product.
func (pr *prober) layer(c LayerClass, t quant.Type, shallow, deep int, rate, attn float64) (LayerCost, float64, error) {
	lc := LayerCost{Class: c.Name, Dim: c.Dim, Format: t.String(), Matrices: len(c.matrices()), Params: c.params()}
	var tm [2]probeTimes
	outBytes := 0
	for i, layers := range []int{shallow, deep} {
		data, ob, err := decodeModel(c, t, layers, pr.s)
		if err != nil {
			return lc, 0, err
		}
		outBytes = ob
		long := i == 1 && attn < 0
		if tm[i], err = pr.steps(data, layers, long); err != nil {
			return lc, 0, err
		}
	}
	lb, _ := c.layerBytes(t)
	attn = lc.fromTimes(tm, shallow, deep, attn, rate, outBytes, lb)
	return lc, attn, nil
}

// fromTimes sets lc's decode and prefill costs from the times of a
// class's probes of shallow and deep layers (tm) of lb bytes a layer,
// whose output products read outBytes at rate; attn is the attention cost
// per position, measured here (from tm[1].long) when < 0, and returned.
func (lc *LayerCost) fromTimes(tm [2]probeTimes, shallow, deep int, attn, rate float64, outBytes, lb int) float64 {
	dl := float64(deep - shallow)
	graph := (tm[1].graph - tm[0].graph) / dl
	// A step launched op by op costs at least its graph's replay: the
	// same kernels, with their launches besides. An eager cost below the
	// graph's is the host's noise: the difference of two probes over
	// decodeExtraLayers layers, each timed op by op on the host. (An H200
	// calibrated while three model generations ran on its host planned
	// the 1.1B Q4_0 with its embedding on the CPU, without graphs, at a
	// predicted 2060 tok/s, which needs op-by-op layer or step costs below
	// the graphed ones; it decoded 1297, against 1531-1567 on its graphs
	// after a quiet calibration.) The same holds for the step's own cost,
	// below.
	eager := max((tm[1].eager-tm[0].eager)/dl, graph)
	if attn < 0 {
		attn = max(tm[1].long-tm[1].graph, 0) / float64(deep*decodeLong)
	}
	// The probes attended to decodeFrom+decodeSpan/2 positions on average.
	at := attn * (decodeFrom + float64(decodeSpan-1)/2)
	lc.Graph, lc.Eager = max(graph-at, 0), max(eager-at, 0)
	// The output product as the planner prices it: bytes at the rate, and
	// a layer matrix's share of the layer's cost beyond its bytes.
	output := func(layer float64) float64 {
		return float64(outBytes)/rate + max(layer-float64(lb)/rate, 0)/float64(lc.Matrices)
	}
	lc.StepGraph = max(tm[0].graph-float64(shallow)*graph-output(lc.Graph), 0)
	lc.StepEager = max(tm[0].eager-float64(shallow)*eager-output(lc.Eager), lc.StepGraph)
	prefill := (tm[1].prefill - tm[0].prefill) / dl
	lc.Prefill = max(prefill, 0)
	// The prefill step's output is one row: a decode step's product.
	lc.PrefillStep = max(tm[0].prefill-float64(shallow)*prefill-output(lc.Eager), 0)
	return attn
}

// probeTimes are a probe model's measured steps, in seconds.
type probeTimes struct {
	graph, eager float64 // a decode step at decodeFrom…, with graphs and without
	long         float64 // a decode step at decodeLong+decodeFrom…, with graphs (when asked)
	prefill      float64 // a prefill step of PrefillTokens tokens from position 0, op by op
}

// steps loads a probe model (data, of layers layers) on d behind a
// budget and times its steps (probeTimes; long only when long is set).
// Each decode step selects the top token on the device when d can (as
// `tern run` does) and downloads it; the prefill step the last token's.
func (pr *prober) steps(data []byte, layers int, long bool) (probeTimes, error) {
	ctx, d, step := pr.ctx, pr.d, pr.step
	var tm probeTimes
	f, err := gguf.Parse(data)
	if err != nil {
		return tm, err
	}
	m, err := model.Load(f, model.OnDevice(budget.Wrap(d, budget.New(d.Name(), math.MaxUint64)), layers))
	if err != nil {
		return tm, err
	}
	defer m.Close()
	const blockSize = 16
	blocks := (max(decodeLong+decodeFrom+decodeSpan, PrefillTokens) + blockSize - 1) / blockSize
	kv, err := m.NewCache(blocks, blockSize, quant.F32)
	if err != nil {
		return tm, err
	}
	defer kv.Free()
	pr.caches = append(pr.caches, kv)
	table := make([]int32, blocks)
	for i := range table {
		table[i] = int32(i)
	}
	var vals []float32
	var ids []int32
	topK := m.MaxTopK() > 0
	forward := func(tokens []int32, b *backend.Batch) error {
		var err error
		want := []int{len(tokens) - 1}
		if topK {
			vals, ids, err = m.ForwardTopK(ctx, kv, tokens, b, want, 1, vals, ids)
		} else {
			vals, err = m.Forward(ctx, kv, tokens, b, want, vals)
		}
		return err
	}
	timeAt := func(from int) (float64, error) {
		next, pos := int32(1), from
		return timeIt(step, func() error {
			if pos >= from+decodeSpan {
				pos = from
			}
			b := &backend.Batch{Pos: []int32{int32(pos)}, Seq: []int32{0}, Slots: []int32{int32(pos)},
				Tables: [][]int32{table}, BlockSize: blockSize}
			next = (next*31 + 7) % decodeVocab
			pos++
			return forward([]int32{next}, b)
		})
	}
	if tm.graph, err = timeAt(decodeFrom); err != nil {
		return tm, err
	}
	if long {
		if tm.long, err = timeAt(decodeLong + decodeFrom); err != nil {
			return tm, err
		}
	}
	if g, ok := d.(interface{ SetGraphs(bool) }); ok {
		g.SetGraphs(false)
		defer g.SetGraphs(true)
		if tm.eager, err = timeAt(decodeFrom); err != nil {
			return tm, err
		}
	} else {
		tm.eager = tm.graph
	}
	// A prompt's first chunk runs op by op (a step's graph is recorded at
	// its second run), and later chunks are as much work.
	prompt := &backend.Batch{Pos: make([]int32, PrefillTokens), Seq: make([]int32, PrefillTokens),
		Slots: make([]int32, PrefillTokens), Tables: [][]int32{table}, BlockSize: blockSize}
	tokens := make([]int32, PrefillTokens)
	for i := range PrefillTokens {
		prompt.Pos[i], prompt.Slots[i], tokens[i] = int32(i), int32(i), int32((i*31+7)%decodeVocab)
	}
	tm.prefill, err = timeIt(step, func() error { return forward(tokens, prompt) })
	return tm, err
}

// decodeModel writes a probe model of class c with layers layers as a GGUF
// file in memory: its matrices in format t (one random N(0, 0.02²) row per
// width, repeated: the bytes read are what matters), norms and the
// embedding F32, in s's memory (valid until s is used again). It returns
// the file and the output matrix's bytes.
func decodeModel(c LayerClass, t quant.Type, layers int, s *scratch) ([]byte, int, error) {
	w := gguf.NewWriter()
	if err := setLlamaHeader(w, c, "calibration probe "+c.Name, layers, decodeLong+decodeFrom+decodeSpan, decodeVocab); err != nil {
		return nil, 0, err
	}
	rows := map[int][]byte{} // one row of t per width
	row := func(cols int) ([]byte, error) {
		if r, ok := rows[cols]; ok {
			return r, nil
		}
		rb, err := t.RowBytes(cols)
		if err != nil {
			return nil, err
		}
		src := make([]float32, cols)
		r := rand.New(rand.NewPCG(uint64(t), uint64(cols)))
		for i := range src {
			src[i] = float32(r.NormFloat64() * 0.02)
		}
		b := make([]byte, rb)
		if err := quant.Quantize(t, b, src); err != nil {
			return nil, err
		}
		rows[cols] = b
		return b, nil
	}
	size := 0 // of the tensors' data
	matrix := func(name string, rs, cols int) (int, error) {
		r, err := row(cols)
		if err != nil {
			return 0, err
		}
		size += len(r)*rs + alignSlack
		return len(r) * rs, w.AddTensor(name, t, []int{cols, rs}, func(out io.Writer) error {
			for range rs {
				if _, err := out.Write(r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	f32 := func(name string, shape []int, v func(i int) float32) error {
		n := 1
		for _, s := range shape {
			n *= s
		}
		b := make([]byte, 4*n)
		size += len(b) + alignSlack
		for i := range n {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v(i)))
		}
		return w.AddTensorData(name, quant.F32, shape, b)
	}
	one := func(int) float32 { return 1 }
	r := rand.New(rand.NewPCG(23, 29))
	if err := f32("token_embd.weight", []int{c.Dim, decodeVocab}, func(int) float32 { return float32(r.NormFloat64() * 0.02) }); err != nil {
		return nil, 0, err
	}
	if err := f32("output_norm.weight", []int{c.Dim}, one); err != nil {
		return nil, 0, err
	}
	outBytes, err := matrix("output.weight", decodeVocab, c.Dim)
	if err != nil {
		return nil, 0, err
	}
	names := []string{"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"}
	for l := range layers {
		p := fmt.Sprintf("blk.%d.", l)
		for _, n := range []string{"attn_norm", "ffn_norm"} {
			if err := f32(p+n+".weight", []int{c.Dim}, one); err != nil {
				return nil, 0, err
			}
		}
		for i, m := range c.matrices() {
			if _, err := matrix(p+names[i]+".weight", m[0], m[1]); err != nil {
				return nil, 0, err
			}
		}
	}
	buf := bytes.NewBuffer(s.bytes(size + headerSlack)[:0])
	if _, err := w.WriteTo(buf); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), outBytes, nil
}

// setLlamaHeader writes the metadata of a llama-architecture probe model
// with layers layers of class c (decodeModel's, and probeModel's one
// class).
func setLlamaHeader(w *gguf.Writer, c LayerClass, name string, layers, context, vocab int) error {
	for _, kv := range []struct {
		k string
		v any
	}{
		{"general.architecture", "llama"}, {"general.name", name},
		{"llama.embedding_length", uint32(c.Dim)}, {"llama.block_count", uint32(layers)},
		{"llama.attention.head_count", uint32(c.Heads)}, {"llama.attention.head_count_kv", uint32(c.KVHeads)},
		{"llama.attention.key_length", uint32(c.HeadDim)}, {"llama.attention.value_length", uint32(c.HeadDim)},
		{"llama.feed_forward_length", uint32(c.FFN)}, {"llama.context_length", uint32(context)},
		{"llama.vocab_size", uint32(vocab)}, {"llama.attention.layer_norm_rms_epsilon", float32(1e-5)},
	} {
		if err := w.Set(kv.k, kv.v); err != nil {
			return err
		}
	}
	return nil
}

// Room in decodeModel's buffer beyond the tensors' bytes, so that writing
// the file grows nothing (fresh memory is slow to fault in): each tensor's
// alignment padding, and the header.
const alignSlack, headerSlack = 64, 1 << 20
