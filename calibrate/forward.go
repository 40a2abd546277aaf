package calibrate

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/budget"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

// Ops of a llama-family forward pass per token (model/llama.go), for
// turning a step's time into a cost per op; plan counts the same.
const (
	// OpsPerLayer: norm, q, k, v, two RoPEs, KV store, attention, o, add,
	// norm, gate, up, SwiGLU, down, add.
	OpsPerLayer = 17
	// OpsOutput: select the rows whose logits are wanted, norm, projection,
	// copy the logits out.
	OpsOutput = 4
	// OpsEmbed: the embedding row gather.
	OpsEmbed = 1
)

// The probe models of the op-latency benchmark: stories260K's shape (the
// smallest real llama), F32, so that their weights cost next to nothing
// and a token's time is the fixed cost of its ops and of the step. Two
// depths tell the two apart: a step's own cost (the sequence's
// bookkeeping, the forward pass's setup) is paid once however many layers
// run, an op's once per op. The context is short, so that attention (which
// plan predicts from the KV's bytes) adds little to the ops: at 512
// positions it was a third of stories260K's step.
const (
	probeDim, probeHeads, probeKVHeads, probeFFN, probeVocab = 64, 8, 4, 172, 256
	probeShallow, probeDeep                                  = 2, 8 // layers
	probePrompt                                              = 8    // first position decoded
	probeSpan                                                = 56   // positions decoded in turn from there
	// probeLong is the first position of the attention probe: the deep
	// model decodes there as at probePrompt, and the difference is the
	// cost of attending to probeLong more positions.
	probeLong    = 448
	probeContext = probeLong + probePrompt + probeSpan
)

// probeOps is the ops per token of a probe model of layers layers.
func probeOps(layers int) int { return layers*OpsPerLayer + OpsOutput + OpsEmbed }

// opLatency is the fixed cost of a decode step and of an op in a forward
// pass: the probe models decode on d one token at a time, and their times
// per token, less their weights' read time at matvecF32 bytes/s (when
// measured), are fitted to step + ops·op (fitLatency). attn is the cost
// per query head per attended position (Profile.AttnLatency): the deep
// model's time per token at probeLong more positions, less their keys'
// and values' read time at bandwidth bytes/s (when measured), spread over
// its heads and positions.
func opLatency(ctx context.Context, d backend.Device, matvecF32, bandwidth float64, stepTime time.Duration) (step, op, attn float64, err error) {
	var sec [2]float64
	for i, layers := range []int{probeShallow, probeDeep} {
		t, weightBytes, err := probeStep(ctx, d, layers, probePrompt, stepTime)
		if err != nil {
			return 0, 0, 0, err
		}
		if matvecF32 > 0 {
			t = max(t-float64(weightBytes)/matvecF32, t/2)
		}
		sec[i] = t
	}
	step, op = fitLatency(sec[0], sec[1], probeOps(probeShallow), probeOps(probeDeep))
	long, weightBytes, err := probeStep(ctx, d, probeDeep, probeLong+probePrompt, stepTime)
	if err != nil {
		return 0, 0, 0, err
	}
	if matvecF32 > 0 {
		long = max(long-float64(weightBytes)/matvecF32, long/2)
	}
	extra := long - sec[1]
	if bandwidth > 0 {
		kvBytes := float64(probeDeep * probeLong * 2 * probeKVHeads * (probeDim / probeHeads) * 4)
		extra -= kvBytes / bandwidth
	}
	attn = max(extra, 0) / float64(probeDeep*probeHeads*probeLong)
	return step, op, attn, nil
}

// fitLatency splits the times per token t1 and t2 of two models of ops1 <
// ops2 ops into a cost per step and one per op, t = step + ops·op. Noise
// can make the line's slope or intercept negative: a slope that is not
// positive puts all of t2 in its ops, an intercept below zero all of t1.
func fitLatency(t1, t2 float64, ops1, ops2 int) (step, op float64) {
	op = (t2 - t1) / float64(ops2-ops1)
	if op <= 0 {
		return 0, t2 / float64(ops2)
	}
	step = t1 - float64(ops1)*op
	if step < 0 {
		return 0, t1 / float64(ops1)
	}
	return step, op
}

// probeStep times one decode step of a probe model of layers layers on d
// (behind a budget.Device, as a real run's) at positions from to
// from+probeSpan in turn, and returns it with the bytes of weights a step
// reads. The positions before from hold zeros: attention costs the same
// whatever the keys, so no prompt is run (its prefill would be timed too).
func probeStep(ctx context.Context, d backend.Device, layers, from int, step time.Duration) (float64, int, error) {
	data, weightBytes, err := probeModel(layers)
	if err != nil {
		return 0, 0, err
	}
	f, err := gguf.Parse(data)
	if err != nil {
		return 0, 0, err
	}
	// Through a budget, as every real run's device is: its wrapper's cost
	// per op is part of an op's.
	m, err := model.Load(f, model.OnDevice(budget.Wrap(d, budget.New(d.Name(), math.MaxUint64)), layers))
	if err != nil {
		return 0, 0, err
	}
	defer m.Close()
	const blockSize = 16
	blocks := (from + probeSpan + blockSize - 1) / blockSize
	kv, err := m.NewCache(blocks, blockSize, quant.F32)
	if err != nil {
		return 0, 0, err
	}
	defer kv.Free()
	table := make([]int32, blocks)
	for i := range table {
		table[i] = int32(i)
	}
	var logits []float32
	next, pos := int32(1), from
	sec, err := timeIt(step, func() error {
		if pos >= from+probeSpan {
			pos = from
		}
		b := &backend.Batch{Pos: []int32{int32(pos)}, Seq: []int32{0}, Slots: []int32{int32(pos)},
			Tables: [][]int32{table}, BlockSize: blockSize}
		next = (next*31 + 7) % probeVocab
		var err error
		logits, err = m.Forward(ctx, kv, []int32{next}, b, []int{0}, logits)
		pos++
		return err
	})
	return sec, weightBytes, err
}

// probeModel writes the probe model as a GGUF file in memory, with random
// N(0, 0.02²) F32 weights, and returns it with the bytes of its matrices.
func probeModel(layers int) ([]byte, int, error) {
	w := gguf.NewWriter()
	class := LayerClass{Dim: probeDim, FFN: probeFFN, Heads: probeHeads, KVHeads: probeKVHeads, HeadDim: probeDim / probeHeads}
	if err := setLlamaHeader(w, class, "calibration probe", layers, probeContext, probeVocab); err != nil {
		return nil, 0, err
	}
	r := rand.New(rand.NewPCG(17, 19))
	hd := probeDim / probeHeads
	kv := probeKVHeads * hd
	type spec struct {
		name       string
		rows, cols int
	}
	specs := []spec{{"token_embd.weight", probeVocab, probeDim}, {"output_norm.weight", 1, probeDim}, {"output.weight", probeVocab, probeDim}}
	for l := range layers {
		p := fmt.Sprintf("blk.%d.", l)
		specs = append(specs,
			spec{p + "attn_norm.weight", 1, probeDim}, spec{p + "attn_q.weight", probeDim, probeDim},
			spec{p + "attn_k.weight", kv, probeDim}, spec{p + "attn_v.weight", kv, probeDim},
			spec{p + "attn_output.weight", probeDim, probeDim}, spec{p + "ffn_norm.weight", 1, probeDim},
			spec{p + "ffn_gate.weight", probeFFN, probeDim}, spec{p + "ffn_up.weight", probeFFN, probeDim},
			spec{p + "ffn_down.weight", probeDim, probeFFN})
	}
	read := 0 // bytes a decode step reads: every matrix but the embedding, of which one row
	for _, s := range specs {
		b := make([]byte, 4*s.rows*s.cols)
		for i := 0; i < s.rows*s.cols; i++ {
			v := float32(1) // norms
			if s.rows > 1 {
				v = float32(r.NormFloat64() * 0.02)
			}
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		shape := []int{s.cols, s.rows}
		if s.rows == 1 {
			shape = []int{s.cols}
		}
		if s.name != "token_embd.weight" {
			read += len(b)
		}
		if err := w.AddTensorData(s.name, quant.F32, shape, b); err != nil {
			return nil, 0, err
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), read, nil
}
