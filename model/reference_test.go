package model_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/quant"
)

// refShape is a tiny random model of one architecture.
type refShape struct {
	arch                           string
	dim, layers, heads, kv, hd, ff int
	vocab                          int
	bias, qkNorm, tied, neox       bool
	ropeDims                       int
}

// refModel holds the random weights as float64, in out×in row-major order.
type refModel struct {
	s       refShape
	tensors map[string][]float64
	shapes  map[string][2]int // rows, cols
}

func newRefModel(s refShape, seed uint64) *refModel {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m := &refModel{s: s, tensors: map[string][]float64{}, shapes: map[string][2]int{}}
	add := func(name string, rows, cols int, norm bool) {
		w := make([]float64, rows*cols)
		for i := range w {
			if norm {
				w[i] = 1 + 0.1*r.NormFloat64()
			} else {
				w[i] = 0.3 * r.NormFloat64()
			}
		}
		m.tensors[name], m.shapes[name] = w, [2]int{rows, cols}
	}
	q, kv := s.heads*s.hd, s.kv*s.hd
	add("token_embd.weight", s.vocab, s.dim, false)
	add("output_norm.weight", 1, s.dim, true)
	if !s.tied {
		add("output.weight", s.vocab, s.dim, false)
	}
	for l := 0; l < s.layers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		add(p+"attn_norm.weight", 1, s.dim, true)
		add(p+"attn_q.weight", q, s.dim, false)
		add(p+"attn_k.weight", kv, s.dim, false)
		add(p+"attn_v.weight", kv, s.dim, false)
		if s.bias {
			add(p+"attn_q.bias", 1, q, false)
			add(p+"attn_k.bias", 1, kv, false)
			add(p+"attn_v.bias", 1, kv, false)
		}
		if s.qkNorm {
			add(p+"attn_q_norm.weight", 1, s.hd, true)
			add(p+"attn_k_norm.weight", 1, s.hd, true)
		}
		add(p+"attn_output.weight", s.dim, q, false)
		add(p+"ffn_norm.weight", 1, s.dim, true)
		add(p+"ffn_gate.weight", s.ff, s.dim, false)
		add(p+"ffn_up.weight", s.ff, s.dim, false)
		add(p+"ffn_down.weight", s.dim, s.ff, false)
	}
	return m
}

// gguf writes the model as an F32 GGUF file.
func (m *refModel) gguf(t *testing.T) []byte {
	s := m.s
	w := gguf.NewWriter()
	a := s.arch + "."
	for _, kv := range []struct {
		k string
		v any
	}{
		{"general.architecture", s.arch},
		{a + "embedding_length", uint32(s.dim)}, {a + "block_count", uint32(s.layers)},
		{a + "attention.head_count", uint32(s.heads)}, {a + "attention.head_count_kv", uint32(s.kv)},
		{a + "attention.key_length", uint32(s.hd)}, {a + "attention.value_length", uint32(s.hd)},
		{a + "feed_forward_length", uint32(s.ff)}, {a + "context_length", uint32(64)},
		{a + "rope.dimension_count", uint32(s.ropeDims)}, {a + "rope.freq_base", float32(10000)},
		{a + "attention.layer_norm_rms_epsilon", float32(1e-6)},
	} {
		if err := w.Set(kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	for name, v := range m.tensors {
		sh := m.shapes[name]
		buf := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(x)))
		}
		shape := []int{sh[1], sh[0]}
		if sh[0] == 1 {
			shape = []int{sh[1]}
		}
		if err := w.AddTensorData(name, quant.F32, shape, buf); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := w.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// The reference forward pass, in float64 and written out plainly, with the
// float32-rounded weights the GGUF file holds.

func (m *refModel) w(name string) []float64 {
	v := m.tensors[name]
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(float32(x))
	}
	return out
}

func matvec(w []float64, rows, cols int, x []float64) []float64 {
	y := make([]float64, rows)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			y[r] += w[r*cols+c] * x[c]
		}
	}
	return y
}

func rmsnorm(x, w []float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	sc := 1 / math.Sqrt(ss/float64(len(x))+1e-6)
	y := make([]float64, len(x))
	for i := range x {
		y[i] = x[i] * sc * w[i]
	}
	return y
}

func rope(x []float64, pos, dims int, neox bool) {
	for i := 0; i < dims/2; i++ {
		theta := float64(pos) * math.Pow(10000, -2*float64(i)/float64(dims))
		a, b := 2*i, 2*i+1
		if neox {
			a, b = i, i+dims/2
		}
		x0, x1 := x[a], x[b]
		x[a] = x0*math.Cos(theta) - x1*math.Sin(theta)
		x[b] = x0*math.Sin(theta) + x1*math.Cos(theta)
	}
}

// logits runs the tokens through the reference and returns the logits after each.
func (m *refModel) logits(tokens []int32) [][]float64 {
	s := m.s
	emb := m.w("token_embd.weight")
	type cache struct{ k, v [][]float64 }
	caches := make([]cache, s.layers)
	var out [][]float64
	for pos, tok := range tokens {
		x := append([]float64(nil), emb[int(tok)*s.dim:(int(tok)+1)*s.dim]...)
		for l := 0; l < s.layers; l++ {
			p := fmt.Sprintf("blk.%d.", l)
			xn := rmsnorm(x, m.w(p+"attn_norm.weight"))
			q := matvec(m.w(p+"attn_q.weight"), s.heads*s.hd, s.dim, xn)
			k := matvec(m.w(p+"attn_k.weight"), s.kv*s.hd, s.dim, xn)
			v := matvec(m.w(p+"attn_v.weight"), s.kv*s.hd, s.dim, xn)
			if s.bias {
				for i, b := range m.w(p + "attn_q.bias") {
					q[i] += b
				}
				for i, b := range m.w(p + "attn_k.bias") {
					k[i] += b
				}
				for i, b := range m.w(p + "attn_v.bias") {
					v[i] += b
				}
			}
			for h := 0; h < s.heads; h++ {
				qh := q[h*s.hd : (h+1)*s.hd]
				if s.qkNorm {
					copy(qh, rmsnorm(qh, m.w(p+"attn_q_norm.weight")))
				}
				rope(qh, pos, s.ropeDims, s.neox)
			}
			for h := 0; h < s.kv; h++ {
				kh := k[h*s.hd : (h+1)*s.hd]
				if s.qkNorm {
					copy(kh, rmsnorm(kh, m.w(p+"attn_k_norm.weight")))
				}
				rope(kh, pos, s.ropeDims, s.neox)
			}
			caches[l].k = append(caches[l].k, k)
			caches[l].v = append(caches[l].v, v)
			att := make([]float64, s.heads*s.hd)
			for h := 0; h < s.heads; h++ {
				g := h / (s.heads / s.kv)
				scores := make([]float64, pos+1)
				mx := math.Inf(-1)
				for t := 0; t <= pos; t++ {
					for e := 0; e < s.hd; e++ {
						scores[t] += q[h*s.hd+e] * caches[l].k[t][g*s.hd+e]
					}
					scores[t] /= math.Sqrt(float64(s.hd))
					mx = math.Max(mx, scores[t])
				}
				var sum float64
				for t := range scores {
					scores[t] = math.Exp(scores[t] - mx)
					sum += scores[t]
				}
				for t := 0; t <= pos; t++ {
					for e := 0; e < s.hd; e++ {
						att[h*s.hd+e] += scores[t] / sum * caches[l].v[t][g*s.hd+e]
					}
				}
			}
			o := matvec(m.w(p+"attn_output.weight"), s.dim, s.heads*s.hd, att)
			for i := range x {
				x[i] += o[i]
			}
			xn = rmsnorm(x, m.w(p+"ffn_norm.weight"))
			g := matvec(m.w(p+"ffn_gate.weight"), s.ff, s.dim, xn)
			u := matvec(m.w(p+"ffn_up.weight"), s.ff, s.dim, xn)
			for i := range g {
				g[i] = g[i] / (1 + math.Exp(-g[i])) * u[i]
			}
			d := matvec(m.w(p+"ffn_down.weight"), s.dim, s.ff, g)
			for i := range x {
				x[i] += d[i]
			}
		}
		xn := rmsnorm(x, m.w("output_norm.weight"))
		outW := "output.weight"
		if s.tied {
			outW = "token_embd.weight"
		}
		out = append(out, matvec(m.w(outW), s.vocab, s.dim, xn))
	}
	return out
}

// TestArchitecturesAgainstReference runs tiny random models of each
// architecture (GQA, biases, QK-norm, NeoX and interleaved RoPE, partial
// rotation, tied and separate output) through Tern and through a plain
// float64 implementation of the llama-family forward pass.
func TestArchitecturesAgainstReference(t *testing.T) {
	for _, s := range []refShape{
		{arch: "llama", dim: 64, layers: 2, heads: 4, kv: 2, hd: 16, ff: 96, vocab: 50, ropeDims: 16},
		{arch: "mistral", dim: 64, layers: 2, heads: 8, kv: 2, hd: 8, ff: 128, vocab: 40, tied: true, ropeDims: 8},
		{arch: "qwen2", dim: 64, layers: 2, heads: 4, kv: 1, hd: 16, ff: 96, vocab: 50, bias: true, tied: true, neox: true, ropeDims: 16},
		{arch: "qwen3", dim: 32, layers: 2, heads: 4, kv: 2, hd: 32, ff: 64, vocab: 30, qkNorm: true, neox: true, ropeDims: 32},
		{arch: "llama", dim: 48, layers: 1, heads: 3, kv: 3, hd: 16, ff: 80, vocab: 20, ropeDims: 8}, // partial rotation
	} {
		t.Run(fmt.Sprintf("%s-%dx%d", s.arch, s.heads, s.kv), func(t *testing.T) {
			ref := newRefModel(s, uint64(s.dim*s.vocab))
			f, err := gguf.Parse(ref.gguf(t))
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(f, model.OnDevice(cpu.New(2), s.layers))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			tokens := []int32{1, 7, 3, 19, 5, 11, 2, 17}
			want := ref.logits(tokens)
			seq, err := m.NewSequence(len(tokens))
			if err != nil {
				t.Fatal(err)
			}
			defer seq.Free()
			// prefill of five, then one at a time
			got, err := seq.Append(context.Background(), tokens[:5], 0)
			if err != nil {
				t.Fatal(err)
			}
			check := func(i int, got []float32) {
				var worst, scale float64
				for j, w := range want[i] {
					worst = math.Max(worst, math.Abs(float64(got[j])-w))
					scale = math.Max(scale, math.Abs(w))
				}
				if worst > 1e-3*scale {
					t.Errorf("token %d: logits differ from the reference by %g (largest logit %g)", i, worst, scale)
				}
			}
			check(4, got)
			for i := 5; i < len(tokens); i++ {
				if got, err = seq.Append(context.Background(), tokens[i:i+1], 0); err != nil {
					t.Fatal(err)
				}
				check(i, got)
			}
		})
	}
}
