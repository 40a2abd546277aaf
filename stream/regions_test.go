package stream

import (
	"testing"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
)

func TestRegions(t *testing.T) {
	f, err := gguf.Open(testdata.Path(t, "stories260K", "stories260K-f32.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Regions(f, 5, []int{3, 5})
	if err != nil {
		t.Fatal(err)
	}
	// Block 3 has 9 tensors (two norms, q, k, v, o, gate, up, down): 45440
	// F32 elements; the output head output.weight (512×64) and output_norm (64).
	size := func(rs [][]byte) (n int) {
		for _, b := range rs {
			n += len(b)
		}
		return n
	}
	if len(r) != 2 || len(r[3]) != 9 || size(r[3]) != 4*45440 || size(r[5]) != 4*(512*64+64) {
		t.Errorf("regions: %d parts, block 3: %d tensors of %d bytes, output %d bytes", len(r), len(r[3]), size(r[3]), size(r[5]))
	}
	if _, err := Regions(f, 5, []int{6}); err == nil {
		t.Error("no error for a part past the output head")
	}
	p := New(r, nil)
	if p.Bytes(3) != uint64(4*45440) {
		t.Errorf("Bytes(3) = %d", p.Bytes(3))
	}
	for _, i := range []int{3, 5} {
		if err := p.Begin(i); err != nil {
			t.Fatal(err)
		}
		p.End(i)
	}
	p.Close()
}
