package sample

import (
	"math"
	"math/rand/v2"
	"sort"
)

// A plain reference of the whole chain: naive history counting, a full sort, float64
// softmax. The fast paths are compared against it.

// histTok is one accepted token: generated (Accept) or prompt (AcceptPrompt).
type histTok struct {
	id  int32
	gen bool
}

func accept(s *Sampler, h []histTok) {
	for _, t := range h {
		if t.gen {
			s.Accept(t.id)
		} else {
			s.AcceptPrompt(t.id)
		}
	}
}

// refPenalize recounts the history from scratch for every token.
func refPenalize(p Params, logits []float32, hist []histTok) []float32 {
	out := append([]float32(nil), logits...)
	var valid []histTok
	for _, t := range hist {
		if t.id >= 0 {
			valid = append(valid, t)
		}
	}
	win := valid
	if w := p.window(); w >= 0 && len(win) > w {
		win = win[len(win)-w:]
	}
	for id := range out {
		inWin, gen := 0, 0
		for _, t := range win {
			if int(t.id) == id {
				inWin++
			}
		}
		for _, t := range valid {
			if int(t.id) == id && t.gen {
				gen++
			}
		}
		v := out[id]
		if inWin > 0 && p.RepeatPenalty != 0 && p.RepeatPenalty != 1 {
			if v <= 0 {
				v *= p.RepeatPenalty
			} else {
				v /= p.RepeatPenalty
			}
		}
		if gen > 0 {
			v -= float32(float32(gen)*p.FrequencyPenalty) + p.PresencePenalty
		}
		out[id] = v
	}
	return out
}

// refDist is the distribution of the next token as a map from id to probability.
func refDist(p Params, logits []float32, hist []histTok) (map[int32]float64, error) {
	if len(logits) == 0 {
		return nil, ErrNoLogits
	}
	x := refPenalize(p, logits, hist)
	if p.Temperature == 0 {
		best := -1
		for i, v := range x {
			if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), -1) && (best < 0 || v > x[best]) {
				best = i
			}
		}
		if best < 0 {
			return nil, ErrNoCandidates
		}
		return map[int32]float64{int32(best): 1}, nil
	}
	var c []cand
	for i, v := range x {
		if math.IsNaN(float64(v)) {
			v = float32(math.Inf(-1))
		}
		c = append(c, cand{v: v, id: int32(i)})
	}
	sort.Slice(c, func(i, j int) bool { return worse(c[j], c[i]) })
	if math.IsInf(float64(c[0].v), -1) {
		return nil, ErrNoCandidates
	}
	if p.TopK > 0 && p.TopK < len(c) {
		c = c[:p.TopK]
	}
	if math.IsInf(float64(c[0].v), 1) {
		j := 0
		for j < len(c) && math.IsInf(float64(c[j].v), 1) {
			c[j].v = 0
			j++
		}
		c = c[:j]
	}
	for math.IsInf(float64(c[len(c)-1].v), -1) {
		c = c[:len(c)-1]
	}
	if p.TopP > 0 && p.TopP < 1 {
		probs := softmax64(c, 1)
		cum := 0.0
		for i, q := range probs {
			cum += q
			if cum >= float64(p.TopP) {
				c = c[:i+1]
				break
			}
		}
	}
	if p.MinP > 0 {
		// p_i >= MinP * p_max, in probabilities rather than log space.
		probs := softmax64(c, 1)
		var keep []cand
		for i, q := range probs {
			if q >= float64(p.MinP)*probs[0]*(1-1e-12) {
				keep = append(keep, c[i])
			}
		}
		c = keep
	}
	probs := softmax64(c, float64(p.Temperature))
	d := make(map[int32]float64, len(c))
	for i, cd := range c {
		d[cd.id] = probs[i]
	}
	return d, nil
}

// softmax64 of c's logits divided by t; c is best first.
func softmax64(c []cand, t float64) []float64 {
	out := make([]float64, len(c))
	z := 0.0
	for i, cd := range c {
		out[i] = math.Exp((float64(cd.v) - float64(c[0].v)) / t)
		z += out[i]
	}
	for i := range out {
		out[i] /= z
	}
	return out
}

// implDist is the sampler's distribution for logits: its own penalties and filters, then
// a plain softmax over what the filters kept. (The draw itself is checked statistically.)
func implDist(s *Sampler, logits []float32) (map[int32]float64, error) {
	if len(logits) == 0 {
		return nil, ErrNoLogits
	}
	src := s.penalize(logits)
	if s.p.Temperature == 0 {
		id, err := argmax(src)
		if err != nil {
			return nil, err
		}
		return map[int32]float64{id: 1}, nil
	}
	all, _, err := s.filter(src)
	if err != nil {
		return nil, err
	}
	var c []cand
	if all {
		for i, v := range src {
			if !math.IsNaN(float64(v)) {
				c = append(c, cand{v: v, id: int32(i)})
			}
		}
	} else {
		c = append(c, s.cand...)
	}
	sort.Slice(c, func(i, j int) bool { return worse(c[j], c[i]) })
	probs := softmax64(c, float64(s.p.Temperature))
	d := make(map[int32]float64, len(c))
	for i, cd := range c {
		if probs[i] > 0 {
			d[cd.id] = probs[i]
		}
	}
	return d, nil
}

// randLogits are n logits spread like a small model's: mostly in [-scale, scale], with a
// few standing out.
func randLogits(r *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64()) * scale
	}
	for range 1 + n/50 {
		x[r.IntN(n)] += 3 * scale * float32(r.Float64())
	}
	return x
}
