package modelgen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tern-llm/tern/quant"
)

// Targets are the types a model can be written in (Plan.Target), in the
// order `tern quantize` lists them.
var Targets = []quant.Type{
	quant.F32, quant.F16, quant.BF16,
	quant.Q8_0, quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1,
	quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K,
	quant.TQ1_0, quant.TQ2_0, quant.IQ4_NL,
}

// typeAliases are llama-quantize's names for the pure variants of the
// K-quants: with --pure, Q4_K_S makes every matrix Q4_K.
var typeAliases = map[string]quant.Type{
	"Q3_K_S": quant.Q3_K, "Q4_K_S": quant.Q4_K, "Q5_K_S": quant.Q5_K,
}

// ParseType returns the target type named name: a GGML type name of
// Targets ("Q4_0", case-insensitive) or a llama-quantize alias of one
// ("Q4_K_S").
func ParseType(name string) (quant.Type, error) {
	up := strings.ToUpper(name)
	if t, ok := typeAliases[up]; ok {
		return t, nil
	}
	if t, ok := quant.TypeByName(up); ok && isTarget(t) {
		return t, nil
	}
	names := make([]string, len(Targets))
	for i, t := range Targets {
		names[i] = t.String()
	}
	return 0, fmt.Errorf("modelgen: unknown or unsupported type %q (supported: %s)", name, strings.Join(names, ", "))
}

// mixtures are the plans ParsePlan knows besides the pure types:
// llama-quantize's Q4_K_M and Q5_K_M, with their general.file_type
// (LLAMA_FTYPE_MOSTLY_Q4_K_M, _Q5_K_M).
var mixtures = []struct {
	name     string
	target   quant.Type
	fileType uint32
}{{"Q4_K_M", quant.Q4_K, 15}, {"Q5_K_M", quant.Q5_K, 17}}

// Mixes are the names of the mixtures ParsePlan knows besides the pure
// types.
var Mixes = func() []string {
	var names []string
	for _, m := range mixtures {
		names = append(names, m.name)
	}
	return names
}()

// ParsePlan returns the plan named name: a pure type (ParseType) or one of
// Mixes.
func ParsePlan(name string) (Plan, error) {
	for _, m := range mixtures {
		if strings.EqualFold(name, m.name) {
			return Plan{Target: m.target, Mix: Medium}, nil
		}
	}
	t, err := ParseType(name)
	if err != nil {
		return Plan{}, fmt.Errorf("%w; or a mixture: %s", err, strings.Join(Mixes, ", "))
	}
	return Plan{Target: t}, nil
}

func isTarget(t quant.Type) bool {
	for _, u := range Targets {
		if u == t {
			return true
		}
	}
	return false
}

// FileType is llama.cpp's general.file_type (enum llama_ftype) of a file
// whose matrices are all of type t, as llama-quantize --pure writes it.
// The K-quants get their _S variant's number, which is what a pure mix of
// one type is named after.
func FileType(t quant.Type) (uint32, bool) {
	ft, ok := fileTypes[t]
	return ft, ok
}

var fileTypes = map[quant.Type]uint32{
	quant.F32: 0, quant.F16: 1, quant.Q4_0: 2, quant.Q4_1: 3,
	quant.Q8_0: 7, quant.Q5_0: 8, quant.Q5_1: 9,
	quant.Q2_K: 10, quant.Q3_K: 11, quant.Q4_K: 14, quant.Q5_K: 16, quant.Q6_K: 18,
	quant.IQ4_NL: 25, quant.BF16: 32, quant.TQ1_0: 36, quant.TQ2_0: 37,
}

// FileType is the plan's general.file_type: FileType(p.Target) for a
// pure plan, its mixture's (mixtures) for a Medium one.
func (p Plan) FileType() uint32 {
	if p.Mix == Medium {
		for _, m := range mixtures {
			if m.target == p.Target {
				return m.fileType
			}
		}
	}
	ft, _ := FileType(p.Target)
	return ft
}

// QuantizationVersion is general.quantization_version, GGML_QNT_VERSION:
// the revision of the block layouts that quant implements.
const QuantizationVersion = 2

// Plan says which type each tensor of a model gets when the model is
// written in the Target type.
type Plan struct {
	// Target is the type of the weight matrices; one of Targets.
	Target quant.Type
	// Override gives tensors named here a type of their own instead of
	// Target (llama-quantize's --output-tensor-type and
	// --token-embedding-type). The row-length fallback still applies.
	Override map[string]quant.Type
	// Mix is the mixture: Pure (every matrix Target) or Medium.
	Mix Mix
	// Layers and Tied are what a Medium mixture needs of the model: its
	// block count and whether the token embedding serves as the output
	// (no output.weight). Quantize and Generate set them (learn).
	Layers int
	Tied   bool
}

// Mix is how a plan mixes types across a model's matrices.
type Mix uint8

const (
	// Pure gives every matrix the plan's Target, as llama-quantize --pure.
	Pure Mix = iota
	// Medium is llama-quantize's _M mixtures of Q4_K and Q5_K
	// (llama_tensor_get_type in llama.cpp's src/llama-quant.cpp): Q6_K
	// for output.weight (the token embedding where it serves as the
	// output; Q8_0 where its rows are not whole Q6_K blocks), and for
	// attn_v and ffn_down in the layers where use_more_bits holds; Target
	// elsewhere.
	Medium
)

// learn sets the plan's Layers and Tied from the names of the model's
// tensors.
func (p *Plan) learn(names []string) {
	p.Layers, p.Tied = 0, true
	for _, n := range names {
		if n == "output.weight" {
			p.Tied = false
		}
		if i, ok := layerOf(n); ok {
			p.Layers = max(p.Layers, i+1)
		}
	}
}

// layerOf returns N of a tensor named "blk.N.…".
func layerOf(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "blk.")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(num)
	return i, err == nil && i >= 0
}

// useMoreBits is llama.cpp's use_more_bits: the layers of n that the _M
// mixtures give more bits, the first and last eighth and every third
// between.
func useMoreBits(i, n int) bool {
	return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2
}

// mixed returns the type a Medium plan gives matrix name of rows of row
// elements.
func (p Plan) mixed(name string, row int) quant.Type {
	if name == "output.weight" || p.Tied && name == "token_embd.weight" {
		if !fits(quant.Q6_K, row) {
			return quant.Q8_0
		}
		return quant.Q6_K
	}
	if i, ok := layerOf(name); ok && (strings.HasSuffix(name, ".attn_v.weight") || strings.HasSuffix(name, ".ffn_down.weight")) && useMoreBits(i, p.Layers) {
		return quant.Q6_K
	}
	return p.Target
}

// Choice is a Plan's decision for one tensor.
type Choice struct {
	Type quant.Type
	// Kept: the tensor is not a weight matrix and keeps its type.
	Kept bool
	// Fallback, when not empty, says why Type is not the type asked for.
	Fallback string
}

// Choose returns the type of tensor name, of shape shape (GGML order) and
// present type have. As llama-quantize does, only tensors of two or more
// dimensions whose names end in "weight" and are not norms are converted;
// the rest keep have. A matrix whose rows are not a whole number of blocks
// of the type asked for falls back as llama-quantize does: the 256-element
// K-quants and ternary types to a 32-element type of about their size
// (Q2_K, Q3_K, TQ1_0, TQ2_0 → Q4_0; Q4_K → Q5_0; Q5_K → Q5_1; Q6_K → Q8_0),
// and when that does not fit either, or the type asked for was already a
// 32-element type, to F16. A Medium plan needs its Layers and Tied set.
func (p Plan) Choose(name string, shape []int, have quant.Type) Choice {
	if !convertible(name, shape) {
		return Choice{Type: have, Kept: true}
	}
	row := shape[0]
	want := p.Target
	if p.Mix == Medium {
		want = p.mixed(name, row)
	}
	if t, ok := p.Override[name]; ok {
		want = t
	}
	if fits(want, row) {
		return Choice{Type: want}
	}
	fb, ok := fallbacks[want]
	if !ok || !fits(fb, row) {
		fb = quant.F16
	}
	return Choice{Type: fb, Fallback: fmt.Sprintf("rows of %d are not a multiple of %s's block of %d: using %s", row, want, want.BlockSize(), fb)}
}

// fallbacks are llama.cpp's (src/llama-quant.cpp, tensor_type_fallback).
var fallbacks = map[quant.Type]quant.Type{
	quant.Q2_K: quant.Q4_0, quant.Q3_K: quant.Q4_0,
	quant.TQ1_0: quant.Q4_0, quant.TQ2_0: quant.Q4_0,
	quant.Q4_K: quant.Q5_0, quant.Q5_K: quant.Q5_1, quant.Q6_K: quant.Q8_0,
}

func fits(t quant.Type, row int) bool {
	return t.BlockSize() > 0 && row%t.BlockSize() == 0
}

// convertible reports whether llama-quantize would convert the tensor:
// a matrix (or stack of them) of weights that is not a norm.
// Dimensions count as ggml_n_dims counts them: trailing ones do not.
func convertible(name string, shape []int) bool {
	dims := 1
	for i, d := range shape {
		if d > 1 {
			dims = i + 1
		}
	}
	return dims >= 2 && strings.HasSuffix(name, "weight") && !strings.Contains(name, "_norm.weight")
}
