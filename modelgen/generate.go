package modelgen

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/quant"
)

// WeightStd is the standard deviation of the random weights: GPT-2's and
// Llama's initializer_range, which gives activations of a sane size through
// any number of layers.
const WeightStd = 0.02

// Options configures Generate.
type Options struct {
	Plan // the type of the weight matrices (Plan.Target) and overrides

	// Seed selects the weights: the same shape, plan and seed give the same
	// file, byte for byte, whatever Threads is.
	Seed uint64
	// Vocab is the tokenizer metadata to write; its token count replaces the
	// shape's vocabulary size. Nil means SyntheticVocab(shape.Vocab).
	Vocab *Vocab
	// Threads is how many goroutines make rows (0: one per CPU).
	Threads int
	// Progress, when set, is called as each tensor begins.
	Progress func(Progress)
}

// Progress reports the tensor about to be written.
type Progress struct {
	Index, Count int // Index of Count tensors, from 0
	Name         string
	Shape        []int
	From, To     quant.Type // From: the source type (F32 for generated values)
	Fallback     string     // why To is not the type asked for, if it is not
	Bytes        int64      // size of the tensor's data in the output
}

// Generate writes a random-weight model of shape s to w as a GGUF file and
// returns the number of bytes written. Weights are N(0, WeightStd²) drawn
// from o.Seed, norms are ones, biases N(0, WeightStd²), rope factors as the
// shape's scaling says. Matrices are quantized to the plan's types as they
// are made; nothing larger than a window of row blocks is held in memory.
func Generate(ctx context.Context, w io.Writer, s Shape, o Options) (int64, error) {
	gw, err := o.writer(ctx, s)
	if err != nil {
		return 0, err
	}
	return gw.WriteTo(w)
}

// Size is the number of bytes Generate would write for s and o, computed
// from the layout without making any weight.
func Size(s Shape, o Options) (int64, error) {
	rs, v, err := o.resolve(s)
	if err != nil {
		return 0, err
	}
	infos, err := o.layout(rs)
	if err != nil {
		return 0, err
	}
	kv := metadata(rs, o, v)
	check := gguf.NewWriter()
	for _, e := range kv {
		if err := check.Set(e.Key, e.Value); err != nil {
			return 0, fmt.Errorf("modelgen: %w", err)
		}
	}
	return fileSize(kv, infos), nil
}

// TensorInfo is one tensor of a generated file as Layout plans it.
type TensorInfo struct {
	TensorSpec
	Type     quant.Type
	Fallback string // why Type is not the plan's type, if it is not
	Bytes    int64  // size of the data
}

// Layout lists the tensors Generate would write for s and o, with their
// types and sizes. The vocabulary of o, if set, gives the shape its size.
func Layout(s Shape, o Options) ([]TensorInfo, error) {
	rs, _, err := o.resolve(s)
	if err != nil {
		return nil, err
	}
	return o.layout(rs)
}

func (o *Options) layout(s Shape) ([]TensorInfo, error) {
	specs := s.Tensors()
	names := make([]string, len(specs))
	for i, t := range specs {
		names[i] = t.Name
	}
	o.learn(names)
	out := make([]TensorInfo, len(specs))
	for i, t := range specs {
		c := o.Choose(t.Name, t.Shape, quant.F32)
		size, err := gguf.DataSize(c.Type, t.Shape)
		if err != nil {
			return nil, fmt.Errorf("modelgen: tensor %q: %w", t.Name, err)
		}
		out[i] = TensorInfo{TensorSpec: t, Type: c.Type, Fallback: c.Fallback, Bytes: size}
	}
	return out, nil
}

// Metadata returns the metadata Generate writes for s and o, in order.
func Metadata(s Shape, o Options) ([]gguf.KV, error) {
	s, v, err := o.resolve(s)
	if err != nil {
		return nil, err
	}
	return metadata(s, o, v), nil
}

// resolve checks s and o and applies the vocabulary's size to s.
func (o *Options) resolve(s Shape) (Shape, Vocab, error) {
	var v Vocab
	if o.Vocab != nil {
		v = *o.Vocab
		s.Vocab = v.Tokens
	}
	if err := s.Validate(); err != nil {
		return s, v, err
	}
	if !isTarget(o.Target) {
		return s, v, fmt.Errorf("modelgen: %s is not a type models can be written in", o.Target)
	}
	for name, t := range o.Override {
		if !isTarget(t) {
			return s, v, fmt.Errorf("modelgen: tensor %q: %s is not a type models can be written in", name, t)
		}
	}
	if o.Vocab == nil {
		var err error
		if v, err = SyntheticVocab(s.Vocab); err != nil {
			return s, v, err
		}
	}
	return s, v, nil
}

func metadata(s Shape, o Options, v Vocab) []gguf.KV {
	ft := o.Plan.FileType()
	a := s.Arch + "."
	kv := []gguf.KV{
		{Key: "general.architecture", Value: s.Arch},
		{Key: "general.name", Value: "random " + s.Name},
		{Key: "general.description", Value: fmt.Sprintf("random weights N(0, %g²), seed %d, written by tern gen: %s", WeightStd, o.Seed, s.About)},
		{Key: "general.file_type", Value: ft},
		{Key: "general.quantization_version", Value: uint32(QuantizationVersion)},
		{Key: a + "context_length", Value: uint32(s.ContextLen)},
		{Key: a + "embedding_length", Value: uint32(s.Dim)},
		{Key: a + "block_count", Value: uint32(s.Layers)},
		{Key: a + "feed_forward_length", Value: uint32(s.FFN)},
		{Key: a + "attention.head_count", Value: uint32(s.Heads)},
		{Key: a + "attention.head_count_kv", Value: uint32(s.KVHeads)},
		{Key: a + "rope.freq_base", Value: s.RopeBase},
		{Key: a + "attention.layer_norm_rms_epsilon", Value: s.NormEps},
		{Key: a + "rope.dimension_count", Value: uint32(s.HeadDim)},
		{Key: a + "vocab_size", Value: uint32(s.Vocab)},
	}
	if s.HeadDim*s.Heads != s.Dim {
		kv = append(kv,
			gguf.KV{Key: a + "attention.key_length", Value: uint32(s.HeadDim)},
			gguf.KV{Key: a + "attention.value_length", Value: uint32(s.HeadDim)})
	}
	return append(kv, v.KV...)
}

// writer lays out the file with a data function for every tensor.
func (o *Options) writer(ctx context.Context, s Shape) (*gguf.Writer, error) {
	s, v, err := o.resolve(s)
	if err != nil {
		return nil, err
	}
	gw := gguf.NewWriter()
	for _, kv := range metadata(s, *o, v) {
		if err := gw.Set(kv.Key, kv.Value); err != nil {
			return nil, fmt.Errorf("modelgen: %w", err)
		}
	}
	infos, err := o.layout(s)
	if err != nil {
		return nil, err
	}
	workers := workerCount(o.Threads)
	for i, t := range infos {
		p := Progress{Index: i, Count: len(infos), Name: t.Name, Shape: t.Shape, From: quant.F32, To: t.Type, Fallback: t.Fallback, Bytes: t.Bytes}
		var data func(io.Writer) error
		switch t.Kind {
		case Norm:
			data = func(out io.Writer) error { return writeF32(out, ones(t.Shape[0])) }
		case RopeFreqs:
			data = func(out io.Writer) error {
				return writeF32(out, s.Llama3Rope.factors(s.HeadDim, float64(s.RopeBase)))
			}
		default: // Matrix, Bias
			gen := rowGen{seed: o.Seed, tensor: uint64(i), rowLen: t.Shape[0], typ: t.Type}
			rows := int(t.Elements()) / t.Shape[0]
			rowBytes := int(t.Bytes) / rows
			data = func(out io.Writer) error {
				return writeRows(ctx, out, rows, rowBytes, workers, gen.newState, gen.fill)
			}
		}
		if o.Progress != nil {
			inner := data
			data = func(out io.Writer) error { o.Progress(p); return inner(out) }
		}
		if err := gw.AddTensor(t.Name, t.Type, t.Shape, data); err != nil {
			return nil, fmt.Errorf("modelgen: %w", err)
		}
	}
	return gw, nil
}

// rowGen makes the rows of one random tensor. Each row has a random stream
// of its own, keyed by seed, tensor and row, so that the values do not
// depend on how rows are split among goroutines.
type rowGen struct {
	seed, tensor uint64
	rowLen       int
	typ          quant.Type
}

type genState struct {
	pcg *rand.PCG
	rng *rand.Rand
	row []float32
}

func (g rowGen) newState() *genState {
	pcg := rand.NewPCG(0, 0)
	return &genState{pcg: pcg, rng: rand.New(pcg), row: make([]float32, g.rowLen)}
}

func (g rowGen) fill(st *genState, r0 int, dst []byte) error {
	rowBytes, err := g.typ.RowBytes(g.rowLen)
	if err != nil {
		return err
	}
	for off := 0; off < len(dst); off += rowBytes {
		r := uint64(r0 + off/rowBytes)
		st.pcg.Seed(mix(g.seed), mix(g.tensor<<40^r))
		for i := range st.row {
			st.row[i] = float32(st.rng.NormFloat64() * WeightStd)
		}
		if err := quant.Quantize(g.typ, dst[off:off+rowBytes], st.row); err != nil {
			return err
		}
	}
	return nil
}

// mix is SplitMix64's finalizer: it spreads nearby keys (row 1, row 2) to
// unrelated seeds.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func ones(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

func writeF32(out io.Writer, v []float32) error {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	_, err := out.Write(b)
	return err
}
