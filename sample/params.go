package sample

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalid is wrapped by every error of [Params.Validate]: a server can map it to HTTP 400
// with errors.Is.
var ErrInvalid = errors.New("sample: invalid parameter")

// DefaultRepeatLastN is the repeat-penalty window used when Params.RepeatLastN is 0. It is
// llama.cpp's default (common_params_sampling.penalty_last_n = 64).
const DefaultRepeatLastN = 64

// Params configures one sequence's sampler. The zero value is valid and means greedy
// decoding with no penalties: every field's zero turns its stage off.
type Params struct {
	// Temperature divides the logits before the final draw. 0 means greedy: the token with
	// the highest (penalized) logit, the lowest id among equals. Must be finite and >= 0.
	Temperature float32

	// TopK keeps the K most likely tokens; 0 turns it off. Must be >= 0; a K larger than
	// the vocabulary keeps every token.
	TopK int

	// TopP keeps the smallest set of most likely tokens whose probability (at temperature
	// 1, after top-k) sums to at least TopP. Must be in [0, 1]; 0 means unset and, like 1,
	// turns it off. (A server that wants OpenAI's top_p=0 should pass TopK 1 instead.)
	TopP float32

	// MinP keeps the tokens whose probability is at least MinP times the most likely
	// token's (at temperature 1); 0 turns it off. Must be in [0, 1].
	MinP float32

	// RepeatPenalty has llama.cpp semantics: the logit of each token seen among the last
	// RepeatLastN accepted tokens (prompt and generated) is divided by RepeatPenalty when
	// positive and multiplied by it when not. 0 and 1 turn it off; must be finite and >= 0.
	RepeatPenalty float32

	// RepeatLastN is the repeat-penalty window: 0 means DefaultRepeatLastN, -1 means every
	// accepted token. Must be >= -1.
	RepeatLastN int

	// PresencePenalty and FrequencyPenalty have OpenAI semantics: a token generated c > 0
	// times so far (tokens passed to Accept, not AcceptPrompt) has its logit lowered by
	// c*FrequencyPenalty + PresencePenalty. 0 turns each off; both must be finite. Unlike
	// llama.cpp, the count covers the whole generated text, not the RepeatLastN window.
	PresencePenalty  float32
	FrequencyPenalty float32

	// Seed makes the draws reproducible: the same Params, logits and accepted tokens give
	// the same tokens on every platform. A caller that wants fresh randomness picks a
	// random Seed itself.
	Seed uint64
}

// Validate reports the first out-of-range field, wrapping ErrInvalid.
func (p Params) Validate() error {
	switch {
	case !finiteNonNeg(p.Temperature):
		return fmt.Errorf("%w: temperature %v, want a finite value >= 0", ErrInvalid, p.Temperature)
	case p.TopK < 0:
		return fmt.Errorf("%w: top_k %d, want >= 0 (0 turns it off)", ErrInvalid, p.TopK)
	case !(p.TopP >= 0 && p.TopP <= 1):
		return fmt.Errorf("%w: top_p %v, want a value in (0, 1] (0 turns it off)", ErrInvalid, p.TopP)
	case !(p.MinP >= 0 && p.MinP <= 1):
		return fmt.Errorf("%w: min_p %v, want a value in [0, 1]", ErrInvalid, p.MinP)
	case !finiteNonNeg(p.RepeatPenalty):
		return fmt.Errorf("%w: repeat_penalty %v, want a finite value > 0 (0 or 1 turns it off)", ErrInvalid, p.RepeatPenalty)
	case p.RepeatLastN < -1:
		return fmt.Errorf("%w: repeat_last_n %d, want -1 (all), 0 (default %d) or a window > 0", ErrInvalid, p.RepeatLastN, DefaultRepeatLastN)
	case !finite(p.PresencePenalty):
		return fmt.Errorf("%w: presence_penalty %v, want a finite value", ErrInvalid, p.PresencePenalty)
	case !finite(p.FrequencyPenalty):
		return fmt.Errorf("%w: frequency_penalty %v, want a finite value", ErrInvalid, p.FrequencyPenalty)
	}
	return nil
}

func finite(x float32) bool { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }

func finiteNonNeg(x float32) bool { return finite(x) && x >= 0 }

// repeatOn reports whether the repeat penalty changes anything.
func (p Params) repeatOn() bool { return p.RepeatPenalty != 0 && p.RepeatPenalty != 1 }

// generatedOn reports whether presence or frequency penalties change anything.
func (p Params) generatedOn() bool { return p.PresencePenalty != 0 || p.FrequencyPenalty != 0 }

// window is the repeat-penalty window in tokens; -1 means unbounded.
func (p Params) window() int {
	if p.RepeatLastN == 0 {
		return DefaultRepeatLastN
	}
	return p.RepeatLastN
}

// DeriveSeed gives the seed of choice i of a request that asks for several independent
// completions (OpenAI's n). Choice 0 keeps seed itself, so n=1 and n>1 agree on the first
// choice; the others get well-mixed seeds that differ from it and from each other.
func DeriveSeed(seed uint64, i int) uint64 {
	if i == 0 {
		return seed
	}
	return mix64(seed + uint64(i)*goldenGamma)
}
