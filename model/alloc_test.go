package model_test

import (
	"context"
	"testing"

	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/internal/testmodel"
)

// TestDecodeStepAllocs checks that a one-token step in steady state
// (issue 6) allocates nothing on the CPU backend with its workers:
// Sequence.Append of one token, on 1 and 2 threads, with attention on one
// thread and on both.
func TestDecodeStepAllocs(t *testing.T) {
	for _, threads := range []int{1, 2} {
		_, m := testmodel.Load(t, cpu.New(threads), "stories260K", "stories260K-f32.gguf")
		seq, err := m.NewSequence(256)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		logits, err := seq.Append(ctx, []int32{1, 403, 407}, 0)
		if err != nil {
			t.Fatal(err)
		}
		tok := []int32{0}
		step := func() {
			tok[0] = argmax(logits)
			if logits, err = seq.Append(ctx, tok, 0); err != nil {
				t.Fatal(err)
			}
		}
		// The first steps grow the scratch; from position 128 on, a step's
		// attention (8 heads of 8) runs on the workers too.
		for seq.Len() < 130 {
			step()
		}
		if got := testing.AllocsPerRun(100, step); got != 0 {
			t.Errorf("%d threads: a decode step allocates %v times, want 0", threads, got)
		}
		seq.Free()
	}
}
