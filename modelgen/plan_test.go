package modelgen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tern-llm/tern/modelgen"
	"github.com/tern-llm/tern/quant"
)

func TestChoose(t *testing.T) {
	cases := []struct {
		name     string
		shape    []int
		have     quant.Type
		target   quant.Type
		want     quant.Type
		kept     bool
		fallback bool
	}{
		{"blk.0.attn_q.weight", []int{4096, 4096}, quant.F16, quant.Q4_0, quant.Q4_0, false, false},
		{"blk.0.attn_norm.weight", []int{4096}, quant.F32, quant.Q4_0, quant.F32, true, false},
		{"output_norm.weight", []int{4096}, quant.F16, quant.Q8_0, quant.F16, true, false},
		{"blk.0.attn_q.bias", []int{896}, quant.F32, quant.Q4_K, quant.F32, true, false},
		{"rope_freqs.weight", []int{64}, quant.F32, quant.Q4_0, quant.F32, true, false},
		{"blk.0.attn_q.weight", []int{64, 1}, quant.F32, quant.Q4_0, quant.F32, true, false}, // one row: a vector
		{"blk.0.ffn_down.weight", []int{172, 64}, quant.F32, quant.Q4_0, quant.F16, false, true},
		{"blk.0.ffn_down.weight", []int{172, 64}, quant.F32, quant.F16, quant.F16, false, false},
		{"blk.0.ffn_down.weight", []int{172, 64}, quant.F32, quant.BF16, quant.BF16, false, false},
		{"blk.0.ffn_up.weight", []int{896, 4864}, quant.F32, quant.Q4_K, quant.Q5_0, false, true},
		{"blk.0.ffn_down.weight", []int{4864, 896}, quant.F32, quant.Q4_K, quant.Q4_K, false, false},
		{"blk.0.attn_q.weight", []int{896, 896}, quant.F32, quant.Q2_K, quant.Q4_0, false, true},
		{"blk.0.attn_q.weight", []int{896, 896}, quant.F32, quant.Q3_K, quant.Q4_0, false, true},
		{"blk.0.attn_q.weight", []int{896, 896}, quant.F32, quant.Q5_K, quant.Q5_1, false, true},
		{"blk.0.attn_q.weight", []int{896, 896}, quant.F32, quant.Q6_K, quant.Q8_0, false, true},
		{"blk.0.attn_q.weight", []int{896, 896}, quant.F32, quant.TQ1_0, quant.Q4_0, false, true},
		{"blk.0.attn_q.weight", []int{896, 896}, quant.F32, quant.TQ2_0, quant.Q4_0, false, true},
		{"blk.0.attn_q.weight", []int{896, 896}, quant.F32, quant.IQ4_NL, quant.IQ4_NL, false, false},
		{"blk.0.attn_q.weight", []int{80, 896}, quant.F32, quant.Q6_K, quant.F16, false, true},
		{"blk.0.attn_q.weight", []int{80, 896}, quant.F32, quant.IQ4_NL, quant.F16, false, true},
	}
	for _, c := range cases {
		got := modelgen.Plan{Target: c.target}.Choose(c.name, c.shape, c.have)
		if got.Type != c.want || got.Kept != c.kept || (got.Fallback != "") != c.fallback {
			t.Errorf("%s %v %s → %s: got %+v, want %s (kept %v, fallback %v)", c.name, c.shape, c.have, c.target, got, c.want, c.kept, c.fallback)
		}
	}
	p := modelgen.Plan{Target: quant.Q4_0, Override: map[string]quant.Type{"output.weight": quant.Q6_K}}
	if got := p.Choose("output.weight", []int{2048, 32000}, quant.F16); got.Type != quant.Q6_K {
		t.Errorf("override: %+v, want Q6_K", got)
	}
	if got := p.Choose("output.weight", []int{896, 32000}, quant.F16); got.Type != quant.Q8_0 || got.Fallback == "" {
		t.Errorf("override that does not fit: %+v, want Q8_0 with a fallback note", got)
	}
}

func TestParseType(t *testing.T) {
	for _, c := range []struct {
		in   string
		want quant.Type
	}{
		{"q4_0", quant.Q4_0}, {"Q4_K", quant.Q4_K}, {"Q4_K_S", quant.Q4_K}, {"f16", quant.F16},
		{"bf16", quant.BF16}, {"TQ1_0", quant.TQ1_0}, {"iq4_nl", quant.IQ4_NL}, {"Q3_K_S", quant.Q3_K},
	} {
		got, err := modelgen.ParseType(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseType(%q) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "Q4_K_M", "Q8_K", "IQ2_XXS", "q9"} {
		if _, err := modelgen.ParseType(in); err == nil || !strings.Contains(err.Error(), "Q4_0") {
			t.Errorf("ParseType(%q): error %v should list the supported types", in, err)
		}
	}
	for _, typ := range modelgen.Targets {
		if _, ok := modelgen.FileType(typ); !ok {
			t.Errorf("%s has no file type", typ)
		}
	}
}

// TestMediumMix checks the Q4_K_M and Q5_K_M plans against llama.cpp's
// rules (llama_tensor_get_type): in 16 layers use_more_bits holds for
// layers 0 and 1 (the first eighth), 14 and 15 (the last) and 4, 7, 10
// and 13 (every third between), where attn_v and ffn_down get Q6_K.
func TestMediumMix(t *testing.T) {
	more := map[int]bool{0: true, 1: true, 4: true, 7: true, 10: true, 13: true, 14: true, 15: true}
	for _, c := range []struct {
		name string
		base quant.Type
		ft   uint32
	}{{"Q4_K_M", quant.Q4_K, 15}, {"q5_k_m", quant.Q5_K, 17}} {
		p, err := modelgen.ParsePlan(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Target != c.base || p.Mix != modelgen.Medium || p.FileType() != c.ft {
			t.Fatalf("%s: %+v, file type %d", c.name, p, p.FileType())
		}
		p.Layers = 16
		for i := range 16 {
			for _, m := range []string{"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"} {
				name := fmt.Sprintf("blk.%d.%s.weight", i, m)
				want := c.base
				if more[i] && (m == "attn_v" || m == "ffn_down") {
					want = quant.Q6_K
				}
				if got := p.Choose(name, []int{2048, 512}, quant.F16); got.Type != want || got.Fallback != "" {
					t.Errorf("%s %s: %+v, want %s", c.name, name, got, want)
				}
			}
		}
		for _, tc := range []struct {
			tensor string
			row    int
			tied   bool
			want   quant.Type
		}{
			{"output.weight", 2048, false, quant.Q6_K},
			{"output.weight", 896, false, quant.Q8_0}, // rows not whole Q6_K blocks: llama.cpp's Q8_0, no fallback
			{"token_embd.weight", 2048, false, c.base},
			{"token_embd.weight", 2048, true, quant.Q6_K}, // the embedding serves as the output
			{"blk.3.attn_norm.weight", 2048, false, quant.F32},
		} {
			p.Tied = tc.tied
			shape := []int{tc.row, 32000}
			if strings.HasSuffix(tc.tensor, "norm.weight") {
				shape = []int{tc.row}
			}
			if got := p.Choose(tc.tensor, shape, quant.F32); got.Type != tc.want || got.Fallback != "" {
				t.Errorf("%s %s (tied %v): %+v, want %s", c.name, tc.tensor, tc.tied, got, tc.want)
			}
		}
		p.Override = map[string]quant.Type{"output.weight": quant.Q8_0}
		if got := p.Choose("output.weight", []int{2048, 32000}, quant.F16); got.Type != quant.Q8_0 {
			t.Errorf("%s: override of output.weight: %+v, want Q8_0", c.name, got)
		}
	}
	if _, err := modelgen.ParsePlan("Q4_K_L"); err == nil || !strings.Contains(err.Error(), "Q4_K_M") {
		t.Errorf("ParsePlan(Q4_K_L): error %v should list the mixtures", err)
	}
}

// TestMediumLayout checks that Layout learns a shape's layer count and
// output for a Medium plan: synth-1.1b's 16 layers as above, and
// qwen2.5-0.5b's tied embedding (896 wide: Q8_0).
func TestMediumLayout(t *testing.T) {
	p, _ := modelgen.ParsePlan("Q4_K_M")
	for _, c := range []struct {
		shape string
		want  map[string]quant.Type
	}{
		{"synth-1.1b", map[string]quant.Type{"blk.0.ffn_down.weight": quant.Q6_K, "blk.2.ffn_down.weight": quant.Q4_K, "blk.13.attn_v.weight": quant.Q6_K, "blk.15.attn_v.weight": quant.Q6_K, "output.weight": quant.Q6_K, "token_embd.weight": quant.Q4_K}},
		{"qwen2.5-0.5b", map[string]quant.Type{"token_embd.weight": quant.Q8_0}},
	} {
		s, err := modelgen.Lookup(c.shape)
		if err != nil {
			t.Fatal(err)
		}
		infos, err := modelgen.Layout(s, modelgen.Options{Plan: p})
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, ti := range infos {
			if want, ok := c.want[ti.Name]; ok {
				seen++
				if ti.Type != want {
					t.Errorf("%s %s: %s, want %s", c.shape, ti.Name, ti.Type, want)
				}
			}
		}
		if seen != len(c.want) {
			t.Errorf("%s: %d of the %d tensors checked found", c.shape, seen, len(c.want))
		}
	}
}
