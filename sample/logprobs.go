package sample

import (
	"fmt"
	"math"
)

// TokenLogprob is a token and its log-probability.
type TokenLogprob struct {
	ID      int32
	Logprob float32
}

// Logprobs returns the log-probability of token id under softmax(logits), and the top
// most likely tokens (top may be 0), best first with the lower id first among equals. It
// is the log-softmax of logits as given: pass the model's raw logits for what OpenAI's
// logprobs report (and vLLM by default), or penalized or tempered ones for another
// distribution. NaN and infinities follow Sample's rules: NaN is -Inf, and +Inf tokens
// share all the mass. The sum runs in float64 after subtracting the maximum, so it neither
// overflows nor loses the small terms.
func Logprobs(logits []float32, id int32, top int) (float32, []TokenLogprob, error) {
	n := len(logits)
	switch {
	case n == 0:
		return 0, nil, ErrNoLogits
	case id < 0 || int(id) >= n:
		return 0, nil, fmt.Errorf("sample: logprob of token %d, outside a vocabulary of %d", id, n)
	case top < 0:
		return 0, nil, fmt.Errorf("sample: top_logprobs %d, want >= 0", top)
	}
	m := maxLogit(logits)
	if math.IsInf(float64(m), -1) {
		return 0, nil, ErrNoCandidates
	}
	// lp maps a logit to its log-probability.
	var lp func(v float32) float32
	if math.IsInf(float64(m), 1) {
		count := 0
		for _, v := range logits {
			if v == m {
				count++
			}
		}
		share := float32(-math.Log(float64(count)))
		lp = func(v float32) float32 {
			if v == m {
				return share
			}
			return float32(math.Inf(-1))
		}
	} else {
		top := float64(m)
		z := 0.0
		for _, v := range logits {
			if v == v { // exp(NaN) would poison the sum; NaN is -Inf
				z += expNeg(float64(v) - top)
			}
		}
		lse := top + math.Log(z)
		lp = func(v float32) float32 {
			if v != v {
				return float32(math.Inf(-1))
			}
			return float32(float64(v) - lse)
		}
	}
	var tops []TokenLogprob
	if top = min(top, n); top > 0 {
		c := topK(nil, logits, top)
		tops = make([]TokenLogprob, top)
		for i, cd := range c {
			tops[i] = TokenLogprob{ID: cd.id, Logprob: lp(logits[cd.id])}
		}
	}
	return lp(logits[id]), tops, nil
}
