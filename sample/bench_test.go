package sample

import (
	"math/rand/v2"
	"testing"
)

// benchVocab is a 128k vocabulary (Llama 3: 128256).
const benchVocab = 128256

// BenchmarkSample runs each chain on one 128k-token logit vector shaped like a model's:
// normal noise with scale 2 and a few hundred tokens standing out.
func BenchmarkSample(b *testing.B) {
	logits := randLogits(rand.New(rand.NewPCG(1, 1)), benchVocab, 2)
	for _, bc := range []struct {
		name string
		p    Params
	}{
		{"greedy", Params{}},
		{"greedy+penalties", Params{RepeatPenalty: 1.1, PresencePenalty: 0.5, FrequencyPenalty: 0.5}},
		{"temp=1", Params{Temperature: 1}},
		{"temp=0.2", Params{Temperature: 0.2}},
		{"top-k=40", Params{Temperature: 0.8, TopK: 40}},
		{"llama.cpp-default", Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1}},
		{"top-p=0.9", Params{Temperature: 1, TopP: 0.9}},
		{"top-p=0.999", Params{Temperature: 1, TopP: 0.999}},
		{"min-p=0.05", Params{Temperature: 1, MinP: 0.05}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := mustNew(b, bc.p)
			for i := range 64 {
				s.Accept(int32(i * 1000))
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Sample(logits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLogprobs(b *testing.B) {
	logits := randLogits(rand.New(rand.NewPCG(1, 1)), benchVocab, 2)
	for b.Loop() {
		if _, _, err := Logprobs(logits, 5, 20); err != nil {
			b.Fatal(err)
		}
	}
}
