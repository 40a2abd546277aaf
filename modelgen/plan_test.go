package modelgen_test

import (
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
