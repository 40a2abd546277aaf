// Package model holds the architectures Tern runs, each written once against
// the backend op set: its hyperparameters (Config), its weights bound from a
// GGUF file, and its forward pass over a batch of tokens. Models know nothing
// about which device runs which layer; the loader is handed a placement.
//
// It imports backend, gguf and quant.
package model

import (
	"fmt"

	"github.com/tern-llm/tern/gguf"
)

// Config is an architecture's hyperparameters, read from GGUF metadata.
type Config struct {
	Arch       string // general.architecture
	Name       string // general.name, for display
	Dim        int    // embedding width
	Layers     int
	Heads      int
	KVHeads    int
	HeadDim    int // per-head width of queries and keys (and values)
	FFN        int // feed-forward hidden width
	Vocab      int
	ContextLen int // trained context length
	NormEps    float32

	RoPE RoPEConfig
	// QKNorm: queries and keys are RMS-normalized per head before RoPE (qwen3).
	QKNorm bool
}

// RoPEConfig is the rotary embedding as the metadata describes it.
type RoPEConfig struct {
	Dims      int     // rotated elements per head
	Base      float32 // frequency base
	NeoX      bool    // NeoX pairing (qwen2, qwen3) instead of interleaved (llama)
	Scaling   string  // "", "none", "linear" or "yarn"
	Factor    float32 // context scaling factor (linear, yarn)
	OrigCtx   int     // context the model was trained with, for yarn
	AttnScale float32 // yarn attention factor (0: default)
}

// arch is what differs between the architectures of the llama family.
type arch struct {
	neox   bool // rotary pairing
	qkNorm bool // per-head RMSNorm of q and k
}

// archs lists the llama-family architectures this package runs.
var archs = map[string]arch{
	"llama":   {},
	"mistral": {},
	"qwen2":   {neox: true},
	"qwen3":   {neox: true, qkNorm: true},
}

// Supported reports whether the architecture name is one Tern runs.
func Supported(name string) bool { _, ok := archs[name]; return ok }

// ReadConfig reads a llama-family Config from a GGUF file's metadata.
func ReadConfig(f *gguf.File) (Config, error) {
	var c Config
	var ok bool
	if c.Arch, ok = f.String("general.architecture"); !ok {
		return c, fmt.Errorf("model: general.architecture is missing")
	}
	a, known := archs[c.Arch]
	if !known {
		return c, fmt.Errorf("model: architecture %q is not supported (supported: llama, mistral, qwen2, qwen3)", c.Arch)
	}
	c.Name, _ = f.String("general.name")
	m := meta{f: f, prefix: c.Arch + "."}
	c.Dim = m.int("embedding_length", 0)
	c.Layers = m.int("block_count", 0)
	c.Heads = m.int("attention.head_count", 0)
	c.FFN = m.int("feed_forward_length", 0)
	c.ContextLen = m.int("context_length", 0)
	if m.err != nil {
		return c, m.err
	}
	if c.Dim <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.FFN <= 0 || c.ContextLen <= 0 {
		return c, fmt.Errorf("model: %s: embedding_length %d, block_count %d, head_count %d, feed_forward_length %d, context_length %d: all must be positive",
			c.Arch, c.Dim, c.Layers, c.Heads, c.FFN, c.ContextLen)
	}
	c.KVHeads = m.int("attention.head_count_kv", c.Heads)
	c.HeadDim = m.int("attention.key_length", c.Dim/c.Heads)
	if v := m.int("attention.value_length", c.HeadDim); v != c.HeadDim && m.err == nil {
		return c, fmt.Errorf("model: value length %d differs from key length %d", v, c.HeadDim)
	}
	c.NormEps = m.float("attention.layer_norm_rms_epsilon", 1e-5)
	c.RoPE = RoPEConfig{
		Dims:      m.int("rope.dimension_count", c.HeadDim),
		Base:      m.float("rope.freq_base", 10000),
		NeoX:      a.neox,
		Scaling:   m.str("rope.scaling.type", ""),
		Factor:    m.float("rope.scaling.factor", 0),
		OrigCtx:   m.int("rope.scaling.original_context_length", c.ContextLen),
		AttnScale: m.float("rope.scaling.attn_factor", 0),
	}
	if lin := m.float("rope.scale_linear", 0); lin != 0 && c.RoPE.Factor == 0 {
		c.RoPE.Scaling, c.RoPE.Factor = "linear", lin
	}
	c.QKNorm = a.qkNorm
	if m.err != nil {
		return c, m.err
	}
	if c.KVHeads <= 0 || c.Heads%c.KVHeads != 0 {
		return c, fmt.Errorf("model: %d heads cannot share %d KV heads", c.Heads, c.KVHeads)
	}
	if c.HeadDim <= 0 || c.HeadDim%2 != 0 {
		return c, fmt.Errorf("model: head size %d must be positive and even", c.HeadDim)
	}
	if c.RoPE.Dims <= 0 || c.RoPE.Dims > c.HeadDim || c.RoPE.Dims%2 != 0 {
		return c, fmt.Errorf("model: rope.dimension_count %d for head size %d", c.RoPE.Dims, c.HeadDim)
	}
	if c.RoPE.Base <= 0 {
		return c, fmt.Errorf("model: rope.freq_base %g must be positive", c.RoPE.Base)
	}
	switch c.RoPE.Scaling {
	case "", "none":
	case "linear", "yarn":
		if c.RoPE.Factor <= 0 {
			return c, fmt.Errorf("model: rope scaling %q needs a positive factor, have %g", c.RoPE.Scaling, c.RoPE.Factor)
		}
	default:
		return c, fmt.Errorf("model: rope scaling type %q is not supported", c.RoPE.Scaling)
	}
	if !(c.NormEps > 0 && c.NormEps < 1) {
		return c, fmt.Errorf("model: rms epsilon %g out of range", c.NormEps)
	}
	if toks, ok := f.Strings("tokenizer.ggml.tokens"); ok {
		c.Vocab = len(toks)
	}
	c.Vocab = m.int("vocab_size", c.Vocab)
	return c, m.err
}

// meta reads typed metadata under an architecture prefix, keeping the first error.
type meta struct {
	f      *gguf.File
	prefix string
	err    error
}

func (m *meta) int(key string, def int) int {
	v, present := m.f.Lookup(m.prefix + key)
	if !present {
		return def
	}
	i, ok := m.f.Int(m.prefix + key)
	if !ok || i < 0 || i > 1<<40 {
		m.fail(key, v, "a non-negative integer")
		return def
	}
	return int(i)
}

func (m *meta) float(key string, def float32) float32 {
	v, present := m.f.Lookup(m.prefix + key)
	if !present {
		return def
	}
	x, ok := m.f.Float(m.prefix + key)
	if !ok {
		m.fail(key, v, "a number")
		return def
	}
	return float32(x)
}

func (m *meta) str(key, def string) string {
	v, present := m.f.Lookup(m.prefix + key)
	if !present {
		return def
	}
	s, ok := v.(string)
	if !ok {
		m.fail(key, v, "a string")
		return def
	}
	return s
}

func (m *meta) fail(key string, v any, want string) {
	if m.err == nil {
		m.err = fmt.Errorf("model: metadata %s%s is %T %v, want %s", m.prefix, key, v, v, want)
	}
}
