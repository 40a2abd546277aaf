package plan

import (
	"bytes"
	"testing"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/internal/testdata"
	"github.com/tern-llm/tern/quant"
)

// TestNeedsFromGGUF reads stories260K (Q8_0, ffn_down in F16) and checks
// the sizes against its shapes worked out by hand: dim 64, FFN 172, 8 heads
// of 8, 4 KV heads, vocab 512, tied output.
func TestNeedsFromGGUF(t *testing.T) {
	f, err := gguf.Open(testdata.Path(t, "stories260K", "stories260K-Q8_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := NeedsFromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	q8 := func(params uint64) uint64 { return params / 32 * 34 }
	// q 64×64, k and v 32×64, o 64×64, gate and up 172×64 (rows of 64) in
	// Q8_0; down 64×172 (rows of 172, not whole Q8_0 blocks) in F16; two
	// norms of 64 in F32.
	qParams := uint64(4096 + 2048 + 2048 + 4096 + 2*172*64)
	want := []Weight{
		{Type: quant.F32, Bytes: 2 * 64 * 4, Params: 128},
		{Type: quant.F16, Bytes: 172 * 64 * 2, Params: 172 * 64, Matrices: 1},
		{Type: quant.Q8_0, Bytes: q8(4096)*2 + q8(2048)*2 + q8(172*64)*2, Params: qParams, Matrices: 6},
	}
	if len(n.Layers) != 5 || n.Dim != 64 || n.Vocab != 512 || n.Tied {
		t.Fatalf("layers %d, dim %d, vocab %d, tied %v", len(n.Layers), n.Dim, n.Vocab, n.Tied)
	}
	for i, l := range n.Layers {
		if len(l.Weights) != len(want) {
			t.Fatalf("layer %d weights %+v, want %+v", i, l.Weights, want)
		}
		for j := range want {
			if l.Weights[j] != want[j] {
				t.Errorf("layer %d weights[%d] = %+v, want %+v", i, j, l.Weights[j], want[j])
			}
		}
		if l.KVElems != 2*4*8 || l.AttnFlops != 4*8*8 || l.Heads != 8 || l.Ops != opsPerLayer {
			t.Errorf("layer %d: kv %d, attn flops %d, heads %d, ops %d", i, l.KVElems, l.AttnFlops, l.Heads, l.Ops)
		}
	}
	if n.Embed.Params() != 512*64 {
		t.Errorf("embedding params %d, want %d", n.Embed.Params(), 512*64)
	}
	// The output head is output_norm (64 F32) and output.weight (512×64 Q8_0).
	if n.Output.Params() != 64+512*64 || n.Output.Bytes() != 256+q8(512*64) || matrices(n.Output) != 1 {
		t.Errorf("output %+v", n.Output.Weights)
	}
	if n.Bytes() != tensorBytes(f) {
		t.Errorf("needs %d bytes, file holds %d bytes of tensors", n.Bytes(), tensorBytes(f))
	}

	// The same model without output.weight: the output head reads the
	// embedding table, which counts once in the model's size.
	w := gguf.NewWriter()
	if err := w.CopyMetadata(f); err != nil {
		t.Fatal(err)
	}
	for i := range f.Tensors {
		if f.Tensors[i].Name != "output.weight" {
			if err := w.CopyTensor(f, &f.Tensors[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	tf, err := gguf.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tn, err := NeedsFromGGUF(tf)
	if err != nil {
		t.Fatal(err)
	}
	if !tn.Tied || tn.Output.Params() != 64+512*64 || tn.Output.Bytes() != 256+tn.Embed.Bytes() || matrices(tn.Output) != 1 {
		t.Errorf("tied: %v, output %+v", tn.Tied, tn.Output.Weights)
	}
	if tn.Bytes() != tensorBytes(tf) {
		t.Errorf("tied: needs %d bytes, file holds %d bytes of tensors", tn.Bytes(), tensorBytes(tf))
	}
	if n.ScratchPerToken == 0 || n.LogitsPerToken != 4*512 {
		t.Errorf("scratch %d, logits %d per token", n.ScratchPerToken, n.LogitsPerToken)
	}
}

func matrices(p Part) int {
	n := 0
	for _, w := range p.Weights {
		n += w.Matrices
	}
	return n
}

func tensorBytes(f *gguf.File) uint64 {
	var n uint64
	for i := range f.Tensors {
		n += uint64(f.Tensors[i].Size)
	}
	return n
}
