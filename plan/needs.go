package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

// Weight is the weights of one format within a part of a model.
type Weight struct {
	Type   quant.Type
	Bytes  uint64
	Params uint64 // elements; a matrix's elements are its multiply-adds per token
	// Matrices is how many of the weights are matrices a token multiplies
	// (each pays a fixed cost when read from memory: MatVecLatency).
	Matrices int
}

// Part is a piece of a model that is placed as a unit: a transformer block
// or the output head.
type Part struct {
	Name    string   // "blk.3", "output"
	Weights []Weight // one entry per format, sorted by type
	// KVElems is the KV cache elements the part stores per token (keys and
	// values); 0 for parts without attention.
	KVElems int
	// AttnFlops is the attention flops per token per attended position
	// (q·k and the weighted sum of v: 4·heads·headDim).
	AttnFlops uint64
	// Heads is the part's query heads, each of which pays the device's
	// AttnLatency per attended position when decoding.
	Heads int
	// Ops is how many device ops the part runs per step; each has a fixed
	// cost (Profile.OpLatency) that dominates small models.
	Ops int
}

// Bytes is the size of the part's weights.
func (p *Part) Bytes() uint64 {
	var n uint64
	for _, w := range p.Weights {
		n += w.Bytes
	}
	return n
}

// Params is the part's weight elements: its multiply-adds per token.
func (p *Part) Params() uint64 {
	var n uint64
	for _, w := range p.Weights {
		n += w.Params
	}
	return n
}

// Needs is what the planner knows of a model: sizes and op counts, nothing
// about its architecture.
type Needs struct {
	Name   string
	Dim    int // width of the activations that cross between devices
	Vocab  int
	Embed  Part   // the embedding table, read one row per token
	Layers []Part // transformer blocks, in order
	Output Part   // final norm and output projection
	// ScratchPerToken is the activation bytes per token of step capacity on
	// every device that runs layers; the output device adds LogitsPerToken.
	ScratchPerToken uint64
	LogitsPerToken  uint64
	ContextLen      int // trained context length
	// Tied is set when the output projection reads the embedding table
	// (Output.Weights then includes it): on the embedding's device the
	// table is held once.
	Tied bool
}

// Bytes is the size of all the model's weights (the embedding counted
// once, also when the output projection is tied to it).
func (n *Needs) Bytes() uint64 {
	b := n.Embed.Bytes() + n.Output.Bytes()
	if n.Tied {
		b -= n.Embed.Bytes()
	}
	for i := range n.Layers {
		b += n.Layers[i].Bytes()
	}
	return b
}

// Ops per token of the llama family's parts, as calibration counts them
// when it turns a step's time into OpLatency.
const (
	opsPerLayer = calibrate.OpsPerLayer
	opsOutput   = calibrate.OpsOutput
	opsEmbed    = calibrate.OpsEmbed
)

var blkName = regexp.MustCompile(`^blk\.(\d+)\.`)

// NeedsFromGGUF reads a model's needs from its GGUF file: each tensor's
// bytes and elements by the part its name puts it in (blk.N.* to block N,
// token_embd to the embedding, output and output_norm to the output head,
// which reads the embedding table when it has no output.weight), with
// shapes from model.ReadConfig.
func NeedsFromGGUF(f *gguf.File) (*Needs, error) {
	c, err := model.ReadConfig(f)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	n := &Needs{Name: c.Name, Dim: c.Dim, ContextLen: c.ContextLen, Layers: make([]Part, c.Layers)}
	if n.Name == "" {
		n.Name = c.Arch
	}
	kv := 2 * c.KVHeads * c.HeadDim
	for i := range n.Layers {
		n.Layers[i] = Part{
			Name:      fmt.Sprintf("blk.%d", i),
			KVElems:   kv,
			AttnFlops: uint64(4 * c.Heads * c.HeadDim),
			Heads:     c.Heads,
			Ops:       opsPerLayer,
		}
	}
	n.Embed = Part{Name: "token_embd", Ops: opsEmbed}
	n.Output = Part{Name: "output", Ops: opsOutput}
	add := func(p *Part, t *gguf.Tensor) {
		i := slices.IndexFunc(p.Weights, func(w Weight) bool { return w.Type == t.Type })
		if i < 0 {
			p.Weights = append(p.Weights, Weight{Type: t.Type})
			i = len(p.Weights) - 1
		}
		p.Weights[i].Bytes += uint64(t.Size)
		p.Weights[i].Params += uint64(t.Elements())
		if len(t.Shape) >= 2 && t.Shape[1] > 1 {
			p.Weights[i].Matrices++
		}
	}
	tied := true
	for i := range f.Tensors {
		t := &f.Tensors[i]
		switch {
		case t.Name == "token_embd.weight":
			add(&n.Embed, t)
			if len(t.Shape) == 2 {
				n.Vocab = t.Shape[1]
			}
		case t.Name == "output.weight":
			add(&n.Output, t)
			tied = false
		case t.Name == "output_norm.weight", t.Name == "rope_freqs.weight":
			add(&n.Output, t)
		default:
			m := blkName.FindStringSubmatch(t.Name)
			if m == nil {
				continue // tensors no op reads
			}
			b, err := strconv.Atoi(m[1])
			if err != nil || b >= len(n.Layers) {
				return nil, fmt.Errorf("plan: tensor %q: block %s of a %d-block model", t.Name, m[1], len(n.Layers))
			}
			add(&n.Layers[b], t)
		}
	}
	if len(n.Embed.Weights) == 0 {
		return nil, fmt.Errorf("plan: tensor \"token_embd.weight\" is missing")
	}
	if tied {
		n.Tied = true
		// The output projection reads the embedding table: on a device
		// other than the embedding's it is a second copy.
		n.Output.Weights = append(n.Output.Weights, n.Embed.Weights...)
	}
	for _, p := range append([]*Part{&n.Embed, &n.Output}, partPtrs(n.Layers)...) {
		slices.SortFunc(p.Weights, func(a, b Weight) int { return int(a.Type) - int(b.Type) })
		p.Weights = mergeWeights(p.Weights)
	}
	if c.Vocab > 0 {
		n.Vocab = c.Vocab
	}
	q, kvw := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	// model/acts.go: x, xn (dim), q, att (heads·headDim), k, v
	// (kvHeads·headDim), gate, up (ffn), all F32; plus the CPU's 8-bit copy
	// of a matmul's input (at most ffn bytes and a block's scales).
	n.ScratchPerToken = uint64(4*(2*c.Dim+2*q+2*kvw+2*c.FFN) + c.FFN + c.FFN/8)
	n.LogitsPerToken = uint64(4 * n.Vocab)
	return n, nil
}

func partPtrs(ps []Part) []*Part {
	out := make([]*Part, len(ps))
	for i := range ps {
		out[i] = &ps[i]
	}
	return out
}

// mergeWeights joins adjacent entries of one type (after a sort).
func mergeWeights(ws []Weight) []Weight {
	out := ws[:0]
	for _, w := range ws {
		if len(out) > 0 && out[len(out)-1].Type == w.Type {
			out[len(out)-1].Bytes += w.Bytes
			out[len(out)-1].Params += w.Params
			out[len(out)-1].Matrices += w.Matrices
			continue
		}
		out = append(out, w)
	}
	return out
}
