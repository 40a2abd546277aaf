package sample_test

import (
	"fmt"

	"github.com/tern-llm/tern/sample"
)

// A sequence's sampler sees the prompt once, then samples and accepts each token.
func ExampleSampler() {
	s, err := sample.New(sample.Params{Temperature: 0}) // greedy
	if err != nil {
		panic(err)
	}
	s.AcceptPrompt(7, 3, 9)
	logits := []float32{0.1, 2.5, -1, 2.5} // ties go to the lower id
	id, err := s.Sample(logits)
	if err != nil {
		panic(err)
	}
	s.Accept(id)
	fmt.Println(id)
	// Output: 1
}

// Choice i of a request for n completions gets its own sampler and derived seed.
func ExampleDeriveSeed() {
	p := sample.Params{Temperature: 0.8, TopP: 0.95, Seed: 1234}
	for i := range 3 {
		q := p
		q.Seed = sample.DeriveSeed(p.Seed, i)
		if _, err := sample.New(q); err != nil {
			panic(err)
		}
		fmt.Println(i, q.Seed == p.Seed)
	}
	// Output:
	// 0 true
	// 1 false
	// 2 false
}

func ExampleLogprobs() {
	// Probabilities 1/2, 1/4, 1/4: logits log 2, 0, 0.
	lp, tops, err := sample.Logprobs([]float32{0.6931472, 0, 0}, 2, 2)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", lp)
	for _, t := range tops {
		fmt.Printf("%d %.4f\n", t.ID, t.Logprob)
	}
	// Output:
	// -1.3863
	// 0 -0.6931
	// 1 -1.3863
}
