package sample

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
)

// FuzzSample feeds arbitrary logits (any float32 bits: NaN, ±Inf, subnormals) and
// parameters to a sampler with some history. Sample must not panic, must leave the
// logits alone, and must either pick a possible token (finite, or +Inf when any is) or
// say why none is possible.
func FuzzSample(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0x3f, 0x80, 0, 0})
	f.Add([]byte{128, 5, 200, 10, 3, 1, 2, 0x7f, 0xc0, 0, 0, 0xff, 0x80, 0, 0, 0x7f, 0x80, 0, 0})
	f.Add([]byte{255, 0, 255, 255, 255, 255, 255, 0x00, 0x00, 0x00, 0x01, 0x80, 0, 0, 0})
	f.Add([]byte{30, 1, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 7 {
			return
		}
		p := Params{
			Temperature:      float32(data[0]) / 64,
			TopK:             int(data[1] % 16),
			TopP:             float32(data[2]) / 255,
			MinP:             float32(data[3]) / 255,
			RepeatPenalty:    float32(data[4]) / 64,
			PresencePenalty:  float32(int8(data[5])) / 32,
			FrequencyPenalty: float32(int8(data[6])) / 32,
			RepeatLastN:      int(data[5]%5) - 1,
			Seed:             uint64(data[6]),
		}
		s, err := New(p)
		if err != nil {
			t.Fatalf("New(%+v): %v", p, err)
		}
		body := data[7:]
		logits := make([]float32, len(body)/4)
		for i := range logits {
			logits[i] = math.Float32frombits(binary.BigEndian.Uint32(body[4*i:]))
		}
		for i, b := range body {
			if i%3 == 0 {
				s.Accept(int32(b % 9))
			} else {
				s.AcceptPrompt(int32(b%11) - 1)
			}
		}
		before := slices.Clone(logits)
		id, err := s.Sample(logits)
		if !sameBits(before, logits) {
			t.Fatalf("Sample modified the logits")
		}
		eff := slices.Clone(s.penalize(logits))
		possible, anyInf := false, false
		for _, v := range eff {
			possible = possible || (v == v && !math.IsInf(float64(v), -1))
			anyInf = anyInf || math.IsInf(float64(v), 1)
		}
		switch {
		case len(logits) == 0:
			if !errors.Is(err, ErrNoLogits) {
				t.Fatalf("empty logits: %d, %v", id, err)
			}
		case !possible:
			if !errors.Is(err, ErrNoCandidates) {
				t.Fatalf("no possible token, yet %d, %v", id, err)
			}
		case err != nil:
			t.Fatalf("%+v: %v", p, err)
		case id < 0 || int(id) >= len(logits):
			t.Fatalf("id %d outside %d logits", id, len(logits))
		case eff[id] != eff[id] || math.IsInf(float64(eff[id]), -1):
			t.Fatalf("picked token %d with logit %v", id, eff[id])
		case anyInf && !math.IsInf(float64(eff[id]), 1):
			t.Fatalf("picked finite token %d while some logit is +Inf", id)
		}
		if len(logits) > 0 {
			if _, _, err := Logprobs(logits, 0, 3); err != nil && !errors.Is(err, ErrNoCandidates) {
				t.Fatalf("Logprobs: %v", err)
			}
		}
	})
}
