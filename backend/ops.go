package backend

// Ops is the op set: every operation a model may ask of a device. All
// tensors passed to one call live on the device that runs it. Activations
// are F32 tensors with one row per token; weights may be of any type the
// device supports (a device returns an error wrapping ErrUnsupported for
// others, and the planner keeps such weights off it).
//
// Shapes below are written rows×cols; n is the number of tokens in the step.
type Ops interface {
	// Embed sets row i of dst (n×d, F32) to row ids[i] of table (rows×d, any
	// type), dequantized. It is both the token embedding and a row gather.
	Embed(dst, table *Tensor, ids []int32) error

	// RMSNorm sets each row of dst to x·w/√(mean(x²)+eps). x and dst are n×d
	// F32 (dst may be x); w is 1×d F32.
	RMSNorm(dst, x, w *Tensor, eps float32) error

	// MatMul sets dst (n×m, F32) to x (n×k, F32) times wᵀ, where w is m×k of
	// any supported type: dst[i][j] = Σ x[i][l]·w[j][l].
	MatMul(dst, x, w *Tensor) error

	// Add sets dst = a + b. a and dst are n×d F32 (dst may be a); b is n×d,
	// or 1×d and added to every row (a bias).
	Add(dst, a, b *Tensor) error

	// SwiGLU sets dst = silu(gate)·up elementwise; all n×d F32; dst may be gate.
	SwiGLU(dst, gate, up *Tensor) error

	// RoPE rotates x (n×(heads·headDim), F32) in place: the first r.Dims
	// elements of each head of row i by position b.Pos[i].
	RoPE(x *Tensor, heads int, r *RoPE, b *Batch) error

	// StoreKV writes row i of k and v (n×(kvHeads·headDim)) into row
	// b.Slots[i] of the caches kc and vc (F32 or F16, converting).
	StoreKV(kc, vc, k, v *Tensor, b *Batch) error

	// Attention computes causal scaled-dot-product attention for every token
	// of the batch: token i (query row i of q, n×(heads·headDim)) attends to
	// positions 0…b.Pos[i] of its sequence b.Seq[i], whose keys and values are
	// in rows of kc and vc found through the sequence's block table. Query
	// head h reads KV head h/(heads/kvHeads) (grouped-query attention). out
	// is n×(heads·headDim) F32.
	Attention(out, q, kc, vc *Tensor, a *Attn, b *Batch) error
}

// RoPE describes rotary position embedding as llama.cpp's rope_yarn does:
// pair rotation by θ = pos·Base^(-2i/Dims), with linear scaling, YaRN
// extrapolation mixing and per-frequency factors (Llama 3.1).
type RoPE struct {
	Dims int     // rotated elements per head (≤ head size, even)
	Base float32 // frequency base θ₀
	NeoX bool    // pair element i with i+Dims/2 (NeoX) instead of 2i with 2i+1
	// FreqScale multiplies θ (1/linear scaling factor); 0 means 1.
	FreqScale float32
	// YaRN: ExtFactor > 0 mixes extrapolated and interpolated angles over the
	// frequency ramp between BetaFast and BetaSlow, for a model trained with
	// OrigCtx positions; AttnFactor scales cos and sin (0 means 1).
	ExtFactor, AttnFactor, BetaFast, BetaSlow float32
	OrigCtx                                   int
	// Factors, when not nil, is 1×(Dims/2) F32: θ_i is divided by Factors[i].
	Factors *Tensor
}

// Attn describes the attention heads.
type Attn struct {
	Heads, KVHeads, HeadDim int
	Scale                   float32 // multiplies q·k, usually 1/√HeadDim
}

// Batch is the shape of one forward step: which sequence each token belongs
// to, its position there, and where the paged KV cache keeps its keys and
// values. It is plain data, built by the engine and read by every op that
// needs it; a backend may cache a device copy of it for the step's duration,
// so it must not change while a step runs.
type Batch struct {
	Pos   []int32 // (n) position of token i in its sequence
	Seq   []int32 // (n) index into Tables of token i's sequence
	Slots []int32 // (n) KV cache row that token i's keys and values go to
	// Tables holds, per sequence, its block table: the KV cache blocks that
	// hold its positions in order. Position p is in row
	// Tables[s][p/BlockSize]·BlockSize + p%BlockSize.
	Tables    [][]int32
	BlockSize int
}

// Len is the number of tokens in the batch.
func (b *Batch) Len() int { return len(b.Pos) }

// Row returns the KV cache row of position p of sequence s.
func (b *Batch) Row(s, p int) int {
	t := b.Tables[s]
	return int(t[p/b.BlockSize])*b.BlockSize + p%b.BlockSize
}
