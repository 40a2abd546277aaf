package model

import (
	"context"
	"fmt"
	"math"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/quant"
)

// Layer is one transformer block of the llama family. Matrices are
// out×in (GGUF's row-major layout, one output per row).
type Layer struct {
	AttnNorm *backend.Tensor `gguf:"attn_norm.weight"`            // (1, dim)
	Q        *backend.Tensor `gguf:"attn_q.weight"`               // (heads·headDim, dim)
	K        *backend.Tensor `gguf:"attn_k.weight"`               // (kvHeads·headDim, dim)
	V        *backend.Tensor `gguf:"attn_v.weight"`               // (kvHeads·headDim, dim)
	QBias    *backend.Tensor `gguf:"attn_q.bias,optional"`        // (1, heads·headDim) qwen2
	KBias    *backend.Tensor `gguf:"attn_k.bias,optional"`        // (1, kvHeads·headDim)
	VBias    *backend.Tensor `gguf:"attn_v.bias,optional"`        // (1, kvHeads·headDim)
	QNorm    *backend.Tensor `gguf:"attn_q_norm.weight,optional"` // (1, headDim) qwen3
	KNorm    *backend.Tensor `gguf:"attn_k_norm.weight,optional"` // (1, headDim)
	O        *backend.Tensor `gguf:"attn_output.weight"`          // (dim, heads·headDim)
	FFNNorm  *backend.Tensor `gguf:"ffn_norm.weight"`             // (1, dim)
	Gate     *backend.Tensor `gguf:"ffn_gate.weight"`             // (ffn, dim)
	Up       *backend.Tensor `gguf:"ffn_up.weight"`               // (ffn, dim)
	Down     *backend.Tensor `gguf:"ffn_down.weight"`             // (dim, ffn)
	// RoPEFreqs is the model's rope_freqs tensor on this layer's device.
	RoPEFreqs *backend.Tensor // (1, ropeDims/2) or nil
}

// Weights are a model's tensors; immutable after load.
type Weights struct {
	Embed  *backend.Tensor `gguf:"token_embd.weight"`      // (vocab, dim)
	Norm   *backend.Tensor `gguf:"output_norm.weight"`     // (1, dim)
	Output *backend.Tensor `gguf:"output.weight,optional"` // (vocab, dim); the embedding when tied
	Layers []Layer
}

// Model is a loaded llama-family model: configuration, weights on their
// devices, and the scratch activations of a forward pass. A Model is used by
// one goroutine at a time.
type Model struct {
	Config Config
	W      Weights
	Place  Placement

	loader  *tensorLoader
	scratch map[backend.Device]*acts
	staging []byte // host buffer for activations crossing devices
	// A step's op arguments, kept here so that a step allocates nothing:
	// the shared products' weights (block), the RoPE and attention
	// descriptions (ropeFor, attn).
	ws3  [3]*backend.Tensor
	ws2  [2]*backend.Tensor
	rope backend.RoPE
	at   backend.Attn
}

// Load binds the weights of f to the devices of p. The file must stay open
// while the model is in use (CPU weights are used in place).
func Load(f *gguf.File, p Placement) (*Model, error) {
	c, err := ReadConfig(f)
	if err != nil {
		return nil, err
	}
	if len(p.Layers) != c.Layers || p.Embed == nil || p.Output == nil {
		return nil, fmt.Errorf("model: placement has %d layers for a %d-layer model", len(p.Layers), c.Layers)
	}
	m := &Model{Config: c, Place: p, loader: &tensorLoader{f: f}, scratch: map[backend.Device]*acts{}}
	if err := m.load(); err != nil {
		m.loader.release()
		return nil, err
	}
	return m, nil
}

func (m *Model) load() error {
	c, l := &m.Config, m.loader
	if err := bind(&m.W, "", func(name string, opt bool) (*backend.Tensor, error) {
		d := m.Place.Output
		if name == "token_embd.weight" {
			d = m.Place.Embed
		}
		return l.load(d, name, opt)
	}); err != nil {
		return err
	}
	if m.W.Output == nil { // tied: the output projection reads the embedding table
		if m.Place.Output != m.Place.Embed {
			t, err := l.load(m.Place.Output, "token_embd.weight", false)
			if err != nil {
				return err
			}
			m.W.Output = t
		} else {
			m.W.Output = m.W.Embed
		}
	}
	if c.Vocab == 0 {
		c.Vocab = m.W.Embed.Rows
	}
	shapes := []shape{
		{"token_embd.weight", m.W.Embed, c.Vocab, c.Dim},
		{"output_norm.weight", m.W.Norm, 1, c.Dim},
		{"output.weight", m.W.Output, c.Vocab, c.Dim},
	}
	q, kv := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	m.W.Layers = make([]Layer, c.Layers)
	ropeFreqs := map[backend.Device]*backend.Tensor{}
	for i := range m.W.Layers {
		ly := &m.W.Layers[i]
		d := m.Place.Layers[i]
		prefix := fmt.Sprintf("blk.%d.", i)
		if err := bind(ly, prefix, func(name string, opt bool) (*backend.Tensor, error) {
			return l.load(d, name, opt)
		}); err != nil {
			return err
		}
		if f, ok := ropeFreqs[d]; ok { // one copy per device, shared by its layers
			ly.RoPEFreqs = f
		} else {
			f, err := l.load(d, "rope_freqs.weight", true)
			if err != nil {
				return err
			}
			ropeFreqs[d], ly.RoPEFreqs = f, f
		}
		if c.QKNorm && (ly.QNorm == nil || ly.KNorm == nil) {
			return fmt.Errorf("model: %s layer %d lacks attn_q_norm/attn_k_norm", c.Arch, i)
		}
		shapes = append(shapes,
			shape{prefix + "attn_norm.weight", ly.AttnNorm, 1, c.Dim},
			shape{prefix + "attn_q.weight", ly.Q, q, c.Dim},
			shape{prefix + "attn_k.weight", ly.K, kv, c.Dim},
			shape{prefix + "attn_v.weight", ly.V, kv, c.Dim},
			shape{prefix + "attn_q.bias", ly.QBias, 1, q},
			shape{prefix + "attn_k.bias", ly.KBias, 1, kv},
			shape{prefix + "attn_v.bias", ly.VBias, 1, kv},
			shape{prefix + "attn_q_norm.weight", ly.QNorm, 1, c.HeadDim},
			shape{prefix + "attn_k_norm.weight", ly.KNorm, 1, c.HeadDim},
			shape{prefix + "attn_output.weight", ly.O, c.Dim, q},
			shape{prefix + "ffn_norm.weight", ly.FFNNorm, 1, c.Dim},
			shape{prefix + "ffn_gate.weight", ly.Gate, c.FFN, c.Dim},
			shape{prefix + "ffn_up.weight", ly.Up, c.FFN, c.Dim},
			shape{prefix + "ffn_down.weight", ly.Down, c.Dim, c.FFN},
			shape{"rope_freqs.weight", ly.RoPEFreqs, 1, c.RoPE.Dims / 2},
		)
	}
	if err := checkShapes(shapes); err != nil {
		return err
	}
	for _, s := range shapes {
		if s.t != nil && s.t.Rows == 1 && s.t.Type != quant.F32 {
			return fmt.Errorf("model: tensor %q is %s, want F32", s.name, s.t.Type)
		}
	}
	return nil
}

// Close releases the model's tensors on their devices (tensors used in
// place stay with the GGUF file, which the caller closes) and its scratch.
func (m *Model) Close() {
	m.loader.release()
	for d, a := range m.scratch {
		a.free(d)
	}
	m.scratch = nil
}

// ropeFor is the op-level RoPE description of layer ly, in the model's
// storage for it (valid until the next call).
func (m *Model) ropeFor(ly *Layer) *backend.RoPE {
	rc := &m.Config.RoPE
	r := &m.rope
	*r = backend.RoPE{Dims: rc.Dims, Base: rc.Base, NeoX: rc.NeoX, Factors: ly.RoPEFreqs}
	switch rc.Scaling {
	case "linear":
		r.FreqScale = 1 / rc.Factor
	case "yarn":
		r.FreqScale = 1 / rc.Factor
		r.ExtFactor = 1
		r.AttnFactor = rc.AttnScale
		r.BetaFast, r.BetaSlow = 32, 1
		r.OrigCtx = rc.OrigCtx
	}
	return r
}

// attn is the op-level attention description, in the model's storage for
// it (valid until the next call).
func (m *Model) attn() *backend.Attn {
	c := &m.Config
	m.at = backend.Attn{Heads: c.Heads, KVHeads: c.KVHeads, HeadDim: c.HeadDim, Scale: 1 / float32(math.Sqrt(float64(c.HeadDim)))} // ggml's 1.0f/sqrtf(head size), to the ulp
	return &m.at
}

// Forward runs the tokens of one step through the model. b describes the
// batch (positions, sequences, KV slots); kv is the paged cache; want lists
// the token rows whose logits are needed. The logits, len(want)×Vocab, are
// written to logits (allocated when nil or short) and returned.
func (m *Model) Forward(ctx context.Context, kv *Cache, tokens []int32, b *backend.Batch, want []int, logits []float32) ([]float32, error) {
	if err := m.checkStep(kv, tokens, b, want); err != nil {
		return nil, err
	}
	n := len(tokens)
	if st, ok := m.stepper(); ok {
		var out *backend.Tensor
		err := st.Step(stepKey(kv, n, len(want), b), func() error {
			var err error
			out, err = m.queue(ctx, kv, tokens, b, want)
			return err
		})
		if err != nil {
			return nil, err
		}
		return m.download(out, len(want), logits)
	}
	out, err := m.queue(ctx, kv, tokens, b, want)
	if err != nil {
		return nil, err
	}
	return m.download(out, len(want), logits)
}

// checkStep validates the arguments of a step (Forward, ForwardTopK).
func (m *Model) checkStep(kv *Cache, tokens []int32, b *backend.Batch, want []int) error {
	n := len(tokens)
	if n == 0 || b.Len() != n || len(b.Slots) != n || len(b.Seq) != n {
		return fmt.Errorf("model: batch of %d tokens with %d positions", n, b.Len())
	}
	if b.BlockSize != kv.BlockSize {
		return fmt.Errorf("model: batch block size %d, cache %d", b.BlockSize, kv.BlockSize)
	}
	for _, id := range tokens {
		if id < 0 || int(id) >= m.Config.Vocab {
			return fmt.Errorf("model: token %d outside the vocabulary of %d", id, m.Config.Vocab)
		}
	}
	for _, r := range want {
		if r < 0 || r >= n {
			return fmt.Errorf("model: logits wanted for row %d of %d", r, n)
		}
	}
	return nil
}

// queue queues the ops of a step and returns the tensor its logits will be
// in (nil when none are wanted), on the output device.
func (m *Model) queue(ctx context.Context, kv *Cache, tokens []int32, b *backend.Batch, want []int) (*backend.Tensor, error) {
	a, err := m.acts(m.Place.Embed, len(tokens))
	if err != nil {
		return nil, err
	}
	x := a.x
	if err := m.Place.Embed.Embed(x, m.W.Embed, tokens); err != nil {
		return nil, err
	}
	var pend residual
	for i := range m.W.Layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if x, pend, err = m.layer(i, x, pend, kv, b); err != nil {
			return nil, fmt.Errorf("model: layer %d: %w", i, err)
		}
	}
	return m.output(x, pend, want)
}

// stepper is the model's device when the whole model is on one device that
// can record and replay steps (backend.Stepper).
func (m *Model) stepper() (backend.Stepper, bool) {
	d := m.Place.Embed
	if m.Place.Output != d {
		return nil, false
	}
	for _, l := range m.Place.Layers {
		if l != d {
			return nil, false
		}
	}
	st, ok := d.(backend.Stepper)
	return st, ok
}

// stepKey names a step's shape for backend.Stepper: the cache, tokens,
// logits rows, sequences, and the capacity the block tables are staged at
// (backend.TableCap), which stays while they grow within it.
func stepKey(kv *Cache, n, want int, b *backend.Batch) string {
	total := 0
	for _, t := range b.Tables {
		total += len(t)
	}
	return fmt.Sprintf("%p/n%d/w%d/s%d/t%d/b%d", kv, n, want, len(b.Tables), backend.TableCap(total), b.BlockSize)
}

// layer runs block i on x (n×dim), to which the previous block's pending
// residual is still to be added, and returns its output on the block's
// device with its own residual pending (x + pending is the block's output).
func (m *Model) layer(i int, x *backend.Tensor, pend residual, kv *Cache, b *backend.Batch) (*backend.Tensor, residual, error) {
	d := m.Place.Layers[i]
	a, err := m.acts(d, x.Rows)
	if err != nil {
		return nil, residual{}, err
	}
	if x.Device() != a.x.Device() { // the addition is made before x moves
		if err := pend.apply(x); err != nil {
			return nil, residual{}, err
		}
		pend = residual{}
	}
	if x, err = m.move(x, a.x); err != nil {
		return nil, residual{}, err
	}
	if err := m.block(i, x, pend, a, kv, b); err != nil {
		return nil, residual{}, err
	}
	return x, residual{y: a.xn, d: d, a: a.gate, w: m.W.Layers[i].Down}, nil
}

// block queues the ops of block i on x (n×dim, on the block's device),
// after making the pending residual (on that device too), and leaves the
// feed-forward's SwiGLU in a.gate: its down projection, to be added to x,
// is left pending (layer).
func (m *Model) block(i int, x *backend.Tensor, pend residual, a *acts, kv *Cache, b *backend.Batch) error {
	c, ly, d := &m.Config, &m.W.Layers[i], m.Place.Layers[i]
	// attention: residual, norm, projections (with biases), per-head norms, RoPE
	if err := addNorm(d, x, pend, a.xn, ly.AttnNorm, c.NormEps); err != nil {
		return err
	}
	at, r := m.attn(), m.ropeFor(ly)
	plain := ly.QBias == nil && ly.KBias == nil && ly.VBias == nil && !c.QKNorm // q, k, v straight from the products
	if pa, ok := d.(backend.ProductAttender); ok && plain {
		// the projections, RoPE, the KV store and attention in one op
		if err := pa.MatMulAttention(a.att, a.q, a.k, a.v, a.xn, ly.Q, ly.K, ly.V, kv.K[i], kv.V[i], at, r, b); err != nil {
			return err
		}
	} else if err := m.attend(i, d, a, kv, at, r, b, plain); err != nil {
		return err
	}
	// output projection, residual, feed-forward norm
	if err := addNorm(d, x, residual{y: a.xn, d: d, a: a.att, w: ly.O}, a.xn, ly.FFNNorm, c.NormEps); err != nil {
		return err
	}
	// feed-forward: SwiGLU (the down projection and its residual left to
	// the next norm)
	if ps, ok := d.(backend.ProductSwiGLUer); ok {
		return ps.MatMulSwiGLU(a.gate, a.up, a.xn, ly.Gate, ly.Up)
	}
	m.ws2 = [2]*backend.Tensor{ly.Gate, ly.Up}
	if err := backend.MatMulShared(d, a.gu[:], a.xn, m.ws2[:]); err != nil {
		return err
	}
	return d.SwiGLU(a.gate, a.gate, a.up)
}

// attend makes layer i's q, k and v projections of a.xn, rotates q and k,
// stores k and v in the caches and runs attention into a.att on d: the
// projections, RoPE and the KV store in one op where d is a
// ProductRoPEStorer and q, k and v come straight from the products
// (plain).
func (m *Model) attend(i int, d backend.Device, a *acts, kv *Cache, at *backend.Attn, r *backend.RoPE, b *backend.Batch, plain bool) error {
	ly := &m.W.Layers[i]
	if prs, ok := d.(backend.ProductRoPEStorer); ok && plain {
		if err := prs.MatMulRoPEStore(a.q, a.k, a.v, a.xn, ly.Q, ly.K, ly.V, kv.K[i], kv.V[i], at, r, b); err != nil {
			return err
		}
	} else if err := m.projectQKV(i, a, kv, at, r, b); err != nil {
		return err
	}
	return d.Attention(a.att, a.q, kv.K[i], kv.V[i], at, b)
}

// projectQKV makes layer i's q, k and v projections of a.xn (with their
// biases and per-head norms), rotates q and k and stores k and v in the
// caches: what ProductRoPEStorer devices do in one op.
func (m *Model) projectQKV(i int, a *acts, kv *Cache, at *backend.Attn, r *backend.RoPE, b *backend.Batch) error {
	c, ly, d := &m.Config, &m.W.Layers[i], m.Place.Layers[i]
	n := a.xn.Rows
	m.ws3 = [3]*backend.Tensor{ly.Q, ly.K, ly.V}
	if err := backend.MatMulShared(d, a.qkv[:], a.xn, m.ws3[:]); err != nil {
		return err
	}
	for _, p := range [3]struct{ dst, bias *backend.Tensor }{{a.q, ly.QBias}, {a.k, ly.KBias}, {a.v, ly.VBias}} {
		if p.bias != nil {
			if err := d.Add(p.dst, p.dst, p.bias); err != nil {
				return err
			}
		}
	}
	if c.QKNorm {
		qh, _ := a.q.Reshape(n*c.Heads, c.HeadDim)
		kh, _ := a.k.Reshape(n*c.KVHeads, c.HeadDim)
		if err := d.RMSNorm(qh, qh, ly.QNorm, c.NormEps); err != nil {
			return err
		}
		if err := d.RMSNorm(kh, kh, ly.KNorm, c.NormEps); err != nil {
			return err
		}
	}
	return backend.RoPEStore(d, a.q, a.k, a.v, kv.K[i], kv.V[i], at, r, b)
}

// output makes the last block's pending residual, gathers the wanted rows,
// normalizes them and queues their projection to logits, returning the
// logits tensor (nil when none are wanted). When every row is wanted in
// order (a decode step) there is nothing to gather, and the residual and
// the norm are one op where the device can.
func (m *Model) output(x *backend.Tensor, pend residual, want []int) (*backend.Tensor, error) {
	c, d := &m.Config, m.Place.Output
	k := len(want)
	if k == 0 {
		return nil, nil
	}
	a, err := m.acts(d, x.Rows)
	if err != nil {
		return nil, err
	}
	if x.Device() != a.x.Device() { // the addition is made before x moves
		if err := pend.apply(x); err != nil {
			return nil, err
		}
		pend = residual{}
	}
	if x, err = m.move(x, a.x); err != nil {
		return nil, err
	}
	sel := a.xn // all of it in a decode step
	if k != sel.Rows {
		sel, _ = a.xn.Slice(0, k)
	}
	if inOrder(want, x.Rows) {
		if err := addNorm(d, x, pend, sel, m.W.Norm, c.NormEps); err != nil {
			return nil, err
		}
	} else {
		if err := pend.apply(x); err != nil {
			return nil, err
		}
		rows := make([]int32, k)
		for i, r := range want {
			rows[i] = int32(r)
		}
		if err := d.Embed(sel, x, rows); err != nil {
			return nil, err
		}
		if err := d.RMSNorm(sel, sel, m.W.Norm, c.NormEps); err != nil {
			return nil, err
		}
	}
	out, err := m.logitsTensor(d, k)
	if err != nil {
		return nil, err
	}
	if err := d.MatMul(out, sel, m.W.Output); err != nil {
		return nil, err
	}
	return out, nil
}

// inOrder reports whether want is every one of n rows, in order.
func inOrder(want []int, n int) bool {
	if len(want) != n {
		return false
	}
	for i, r := range want {
		if r != i {
			return false
		}
	}
	return true
}

// download copies the k rows of logits in out (from output) into logits,
// growing it when short.
func (m *Model) download(out *backend.Tensor, k int, logits []float32) ([]float32, error) {
	if k == 0 {
		return logits[:0], nil
	}
	vocab := m.Config.Vocab
	if cap(logits) < k*vocab {
		logits = make([]float32, k*vocab)
	}
	logits = logits[:k*vocab]
	if err := out.Device().Download(f32Bytes(logits), out); err != nil {
		return nil, err
	}
	return logits, nil
}

// move returns x on the device of dst's buffer, copying it through host
// memory into dst when it lives elsewhere.
func (m *Model) move(x, dst *backend.Tensor) (*backend.Tensor, error) {
	if x.Device() == dst.Device() {
		return x, nil
	}
	v, err := dst.Slice(0, x.Rows)
	if err != nil {
		return nil, err
	}
	if cap(m.staging) < x.Bytes() {
		m.staging = make([]byte, x.Bytes())
	}
	buf := m.staging[:x.Bytes()]
	if err := x.Device().Download(buf, x); err != nil {
		return nil, err
	}
	if err := v.Device().Upload(v, buf); err != nil {
		return nil, err
	}
	return v, nil
}
