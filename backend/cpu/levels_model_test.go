package cpu

import (
	"context"
	"math"
	"testing"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/model"
)

// TestModelAcrossLevels runs stories260K (prefill, then decode) at every
// instruction-set level and requires the same logits, bit for bit: the
// whole forward pass through the fast paths equals the Go reference.
func TestModelAcrossLevels(t *testing.T) {
	for _, file := range []string{"stories260K-Q4_0.gguf", "stories260K-Q8_0.gguf", "stories260K-F16.gguf", "stories260K-f32.gguf"} {
		t.Run(file, func(t *testing.T) {
			f, err := gguf.Open(testdata.Path(t, "stories260K", file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var want []float32
			for _, l := range levels() {
				restore := l.set()
				got := runLevel(t, f)
				restore()
				if want == nil {
					want = got
					continue
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: logit %d = %g, the first level's %g", l.name, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// runLevel prefills a prompt, decodes four tokens and returns every logit.
func runLevel(t *testing.T, f *gguf.File) []float32 {
	t.Helper()
	c, err := model.ReadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(f, model.OnDevice(New(2), c.Layers))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	seq, err := m.NewSequence(64)
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Free()
	var all []float32
	logits, err := seq.Append(context.Background(), []int32{1, 403, 407, 261, 378, 300, 301, 302, 303}, 0)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, logits...)
	for _, id := range []int32{432, 383, 286, 261} {
		if logits, err = seq.Append(context.Background(), []int32{id}, 0); err != nil {
			t.Fatal(err)
		}
		all = append(all, logits...)
	}
	return all
}
