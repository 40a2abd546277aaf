// Package modelgen writes GGUF models without downloading any: random-weight
// llama-family models of real models' shapes (Generate), and re-quantized
// copies of existing files (Quantize). Benchmarks and tests of large models
// use it to make their inputs.
//
// Both stream: tensors are produced row block by row block on several
// goroutines, quantized there, and handed in order to the gguf Writer, so a
// model of any size is written with memory for a few row blocks per worker.
// Which type each tensor gets follows llama-quantize with --pure: every
// weight matrix takes the target type, vectors (norms, biases, rope factors)
// stay as they are, and a matrix whose rows are not a whole number of the
// type's blocks falls back to a type that fits (Plan).
//
// The package imports gguf and quant; it knows the llama family's tensor
// names but nothing of how a model runs.
package modelgen

import (
	"fmt"
	"math"
	"strings"
)

// Shape is the architecture of a llama-family model: everything needed to
// write its metadata and tensors.
type Shape struct {
	Name       string // what Lookup finds it by ("llama3.1-8b")
	About      string // one line: what real model it copies
	Arch       string // general.architecture: "llama" or "qwen2"
	Dim        int    // embedding width
	Layers     int
	Heads      int
	KVHeads    int
	HeadDim    int // per-head width of queries, keys and values
	FFN        int // feed-forward hidden width
	Vocab      int // tokens (rows of the embedding table)
	ContextLen int // trained context length
	RopeBase   float32
	NormEps    float32
	// Tied: no output.weight; the output projection reads the embedding.
	Tied bool
	// QKVBias: attn_q/k/v carry biases (qwen2).
	QKVBias bool
	// Llama3Rope, when set, adds the rope_freqs.weight tensor of Llama 3.1's
	// rope scaling, as llama.cpp's converter writes it.
	Llama3Rope *Llama3Rope
}

// Llama3Rope is the "llama3" rope scaling of Llama 3.1 and later: low
// frequencies are divided by Factor, high ones kept, and those between
// interpolated.
type Llama3Rope struct {
	Factor, LowFreqFactor, HighFreqFactor float64
	OrigContext                           int
}

// shapes are the named shapes. The real models' numbers are from their
// Hugging Face config.json files.
var shapes = []Shape{
	{
		Name: "tiny", About: "test model: dim 256 (whole K-quant blocks), 2 layers, vocab 320",
		Arch: "llama", Dim: 256, Layers: 2, Heads: 8, KVHeads: 4, HeadDim: 32, FFN: 256,
		Vocab: 320, ContextLen: 1024, RopeBase: 10000, NormEps: 1e-5,
	},
	{
		Name: "tiny-qwen2", About: "test model: qwen2 layout (biases, tied) with rows of 192, which K-quants cannot hold",
		Arch: "qwen2", Dim: 192, Layers: 2, Heads: 6, KVHeads: 2, HeadDim: 32, FFN: 256,
		Vocab: 320, ContextLen: 1024, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKVBias: true,
	},
	{
		Name: "llama3.2-1b", About: "Llama-3.2-1B (1.24B parameters, tied embeddings)",
		Arch: "llama", Dim: 2048, Layers: 16, Heads: 32, KVHeads: 8, HeadDim: 64, FFN: 8192,
		Vocab: 128256, ContextLen: 131072, RopeBase: 500000, NormEps: 1e-5, Tied: true,
		Llama3Rope: &Llama3Rope{Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OrigContext: 8192},
	},
	{
		Name: "llama3.1-8b", About: "Llama-3.1-8B (8.03B parameters)",
		Arch: "llama", Dim: 4096, Layers: 32, Heads: 32, KVHeads: 8, HeadDim: 128, FFN: 14336,
		Vocab: 128256, ContextLen: 131072, RopeBase: 500000, NormEps: 1e-5,
		Llama3Rope: &Llama3Rope{Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OrigContext: 8192},
	},
	{
		Name: "qwen2.5-0.5b", About: "Qwen2.5-0.5B (494M parameters, tied embeddings)",
		Arch: "qwen2", Dim: 896, Layers: 24, Heads: 14, KVHeads: 2, HeadDim: 64, FFN: 4864,
		Vocab: 151936, ContextLen: 32768, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKVBias: true,
	},
	{
		Name: "qwen2.5-1.5b", About: "Qwen2.5-1.5B (1.54B parameters, tied embeddings)",
		Arch: "qwen2", Dim: 1536, Layers: 28, Heads: 12, KVHeads: 2, HeadDim: 128, FFN: 8960,
		Vocab: 151936, ContextLen: 32768, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKVBias: true,
	},
	{
		Name: "synth-1.1b", About: "the synthetic 1.1B llama of the peer numbers: Llama-3.2-1B's layers, 32k vocabulary, untied output",
		Arch: "llama", Dim: 2048, Layers: 16, Heads: 32, KVHeads: 8, HeadDim: 64, FFN: 8192,
		Vocab: 32000, ContextLen: 4096, RopeBase: 10000, NormEps: 1e-5,
	},
	{
		Name: "synth-8b", About: "the synthetic \"8B\" of the peer numbers: Llama-3.1-8B's layers, 32k vocabulary (7.24B parameters)",
		Arch: "llama", Dim: 4096, Layers: 32, Heads: 32, KVHeads: 8, HeadDim: 128, FFN: 14336,
		Vocab: 32000, ContextLen: 4096, RopeBase: 10000, NormEps: 1e-5,
	},
}

// Shapes returns the named shapes, in a fixed order (small to large within
// each family).
func Shapes() []Shape {
	out := make([]Shape, len(shapes))
	copy(out, shapes)
	return out
}

// Lookup returns the shape named name (case-insensitive).
func Lookup(name string) (Shape, error) {
	for _, s := range shapes {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
	}
	names := make([]string, len(shapes))
	for i, s := range shapes {
		names[i] = s.Name
	}
	return Shape{}, fmt.Errorf("modelgen: unknown shape %q (known: %s)", name, strings.Join(names, ", "))
}

// Validate checks that the shape describes a model the llama family can have.
func (s Shape) Validate() error {
	switch {
	case s.Arch != "llama" && s.Arch != "qwen2":
		return fmt.Errorf("modelgen: shape %q: architecture %q (want llama or qwen2)", s.Name, s.Arch)
	case s.Dim <= 0 || s.Layers <= 0 || s.Heads <= 0 || s.KVHeads <= 0 || s.FFN <= 0 || s.ContextLen <= 0:
		return fmt.Errorf("modelgen: shape %q: dim %d, layers %d, heads %d, kv heads %d, ffn %d, context %d must all be positive",
			s.Name, s.Dim, s.Layers, s.Heads, s.KVHeads, s.FFN, s.ContextLen)
	case s.Heads%s.KVHeads != 0:
		return fmt.Errorf("modelgen: shape %q: %d heads cannot share %d KV heads", s.Name, s.Heads, s.KVHeads)
	case s.HeadDim <= 0 || s.HeadDim%2 != 0:
		return fmt.Errorf("modelgen: shape %q: head size %d must be positive and even", s.Name, s.HeadDim)
	case s.Vocab < minVocab:
		return fmt.Errorf("modelgen: shape %q: vocabulary of %d tokens, want at least %d (specials and the 256 byte tokens)", s.Name, s.Vocab, minVocab)
	case !(s.RopeBase > 0) || !(s.NormEps > 0 && s.NormEps < 1):
		return fmt.Errorf("modelgen: shape %q: rope base %g, rms epsilon %g", s.Name, s.RopeBase, s.NormEps)
	}
	return nil
}

// Kind says how a tensor's values are made.
type Kind int

const (
	Matrix    Kind = iota // N(0, σ²) weights, quantized to the target type
	Norm                  // all ones, F32
	Bias                  // N(0, σ²), F32
	RopeFreqs             // Llama 3 rope factors, F32
)

// TensorSpec is one tensor of a shape.
type TensorSpec struct {
	Name  string
	Shape []int // GGML order: Shape[0] is the row length
	Kind  Kind
}

// Elements is the number of values of the tensor.
func (t TensorSpec) Elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// Tensors lists the shape's tensors: embedding, rope factors, output norm
// and output, then each block's.
func (s Shape) Tensors() []TensorSpec {
	q, kv := s.Heads*s.HeadDim, s.KVHeads*s.HeadDim
	ts := []TensorSpec{{"token_embd.weight", []int{s.Dim, s.Vocab}, Matrix}}
	if s.Llama3Rope != nil {
		ts = append(ts, TensorSpec{"rope_freqs.weight", []int{s.HeadDim / 2}, RopeFreqs})
	}
	ts = append(ts, TensorSpec{"output_norm.weight", []int{s.Dim}, Norm})
	if !s.Tied {
		ts = append(ts, TensorSpec{"output.weight", []int{s.Dim, s.Vocab}, Matrix})
	}
	for i := range s.Layers {
		p := fmt.Sprintf("blk.%d.", i)
		ts = append(ts,
			TensorSpec{p + "attn_norm.weight", []int{s.Dim}, Norm},
			TensorSpec{p + "attn_q.weight", []int{s.Dim, q}, Matrix},
			TensorSpec{p + "attn_k.weight", []int{s.Dim, kv}, Matrix},
			TensorSpec{p + "attn_v.weight", []int{s.Dim, kv}, Matrix},
		)
		if s.QKVBias {
			ts = append(ts,
				TensorSpec{p + "attn_q.bias", []int{q}, Bias},
				TensorSpec{p + "attn_k.bias", []int{kv}, Bias},
				TensorSpec{p + "attn_v.bias", []int{kv}, Bias},
			)
		}
		ts = append(ts,
			TensorSpec{p + "attn_output.weight", []int{q, s.Dim}, Matrix},
			TensorSpec{p + "ffn_norm.weight", []int{s.Dim}, Norm},
			TensorSpec{p + "ffn_gate.weight", []int{s.Dim, s.FFN}, Matrix},
			TensorSpec{p + "ffn_up.weight", []int{s.Dim, s.FFN}, Matrix},
			TensorSpec{p + "ffn_down.weight", []int{s.FFN, s.Dim}, Matrix},
		)
	}
	return ts
}

// Params is the shape's parameter count: the elements of all its tensors
// (rope factors included, as llama.cpp counts them).
func (s Shape) Params() int64 {
	var n int64
	for _, t := range s.Tensors() {
		n += t.Elements()
	}
	return n
}

// ropeFactors computes rope_freqs.weight as llama.cpp's convert_hf_to_gguf
// does for rope_scaling.rope_type "llama3": one factor per rotated pair,
// dividing that pair's frequency.
func (r *Llama3Rope) factors(headDim int, base float64) []float32 {
	lowWave := float64(r.OrigContext) / r.LowFreqFactor
	highWave := float64(r.OrigContext) / r.HighFreqFactor
	out := make([]float32, headDim/2)
	for i := range out {
		freq := 1 / math.Pow(base, float64(2*i)/float64(headDim))
		wave := 2 * math.Pi / freq
		switch {
		case wave < highWave:
			out[i] = 1
		case wave > lowWave:
			out[i] = float32(r.Factor)
		default:
			smooth := (float64(r.OrigContext)/wave - r.LowFreqFactor) / (r.HighFreqFactor - r.LowFreqFactor)
			out[i] = float32(1 / ((1-smooth)/r.Factor + smooth))
		}
	}
	return out
}
