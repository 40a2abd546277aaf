package sample

import (
	"math/rand/v2"
	"testing"
)

// benchVocab is a 128k vocabulary (Llama 3: 128256).
const benchVocab = 128256

// benchLogits are two 128k-token logit vectors: "flat" is normal noise (scale 2) with a
// few thousand tokens lifted by up to 6, a worst case for top-p whose nucleus then holds
// tens of thousands of tokens; "peaked" lifts 20 tokens by 12 to 20, closer to a trained
// model's next-token distribution (the best logit 6-10 deviations above the mean), where
// the nucleus is a handful of tokens.
func benchLogits() map[string][]float32 {
	r := rand.New(rand.NewPCG(1, 1))
	flat := randLogits(r, benchVocab, 2)
	peaked := randLogits(r, benchVocab, 2)
	for range 20 {
		peaked[r.IntN(benchVocab)] += 12 + 8*float32(r.Float64())
	}
	return map[string][]float32{"flat": flat, "peaked": peaked}
}

func BenchmarkSample(b *testing.B) {
	sets := benchLogits()
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
		{"top-k=10000", Params{Temperature: 1, TopK: 10000}},
	} {
		for _, set := range []string{"peaked", "flat"} {
			b.Run(bc.name+"/"+set, func(b *testing.B) {
				logits := sets[set]
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
}

func BenchmarkLogprobs(b *testing.B) {
	logits := benchLogits()["peaked"]
	for b.Loop() {
		if _, _, err := Logprobs(logits, 5, 20); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSampleTop is the host's share of a token sampled from the best logits that a
// device selected (SampleTop), beside Sample on the whole 128k row for the same parameters.
func BenchmarkSampleTop(b *testing.B) {
	logits := benchLogits()["peaked"]
	for _, bc := range []struct {
		name string
		p    Params
	}{
		{"greedy", Params{}},
		{"top-k=40", Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05}},
	} {
		s := mustNew(b, bc.p)
		vals, ids := refCandidates(logits, s.Candidates(len(logits)))
		b.Run(bc.name+"/top", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SampleTop(vals, ids, len(logits)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/all", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Sample(logits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
