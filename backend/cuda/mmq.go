package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// The few-token products of Q4_0, Q8_0, Q4_K and Q6_K weights (mmq.cu:
// mq16x_*, mq16_*, mq32_*, mq64_*): a batched decode step's or a short
// prompt's 2–64 tokens (Q4_0: 8–64), where the pipelined kernels'
// dequantization into shared memory held the weights to ~550 GB/s and the
// matrix-vector kernels read them once per 8 tokens.
const (
	mqRows     = 128 // MQ_BM: weight rows a block
	mqK        = 128 // MQ_BK: k per stage
	mqTokRow   = 288 // MQ_XROW: shared bytes of a token's stage row
	mqTokRowXQ = 176 // MQ_XQROW: the same with 8-bit activations
)

// mqOn sends the products mqFor takes to mmq.cu's kernels (a variable so
// that benchmarks can compare the pipelined kernels).
var mqOn = true

// mqShape is one of mmq.cu's kernels: its pipeline stages (ST) and threads
// (128·KG).
type mqShape struct{ stages, threads int }

// mqFamily is the kernels of mmq.cu for tokens (BN) a block, by weight
// format, as its MQ_ENTRY lines (MQ_ENTRY_XQ: xq) define them; xq kernels
// take 8-bit activations.
type mqFamily struct {
	prefix string
	tokens int
	kern   map[quant.Type]mqShape
	xq     bool
}

var (
	mqFamily16 = mqFamily{"mq16_", 16, map[quant.Type]mqShape{quant.Q4_0: {4, 256}, quant.Q8_0: {3, 256}, quant.Q4_K: {4, 256}, quant.Q6_K: {4, 256}}, false}
	mqFamily32 = mqFamily{"mq32_", 32, map[quant.Type]mqShape{quant.Q4_0: {4, 128}, quant.Q8_0: {3, 256}, quant.Q4_K: {4, 256}, quant.Q6_K: {4, 256}}, false}
	mqFamily64 = mqFamily{"mq64_", 64, map[quant.Type]mqShape{quant.Q4_0: {3, 256}, quant.Q8_0: {2, 256}, quant.Q4_K: {3, 256}, quant.Q6_K: {2, 256}}, false}
	// mqFamilyXQ takes products of mqXQMinTokens to mmaMinTokens-1 tokens
	// with the activations quantized as the matrix-vector kernels (and the
	// CPU) take them, so that a short prompt's numerics stay theirs.
	mqFamilyXQ = mqFamily{"mq16x_", 16, map[quant.Type]mqShape{quant.Q4_0: {4, 256}, quant.Q8_0: {3, 256}, quant.Q4_K: {4, 256}, quant.Q6_K: {4, 256}}, true}
)

// mqStageBytes is mmq.cu's mq_stage: a stage's weight rows (four blocks'
// quants and 16 bytes, of padding or Q4_K's header; Q6_K's 112), the Q4_0
// and Q8_0 rows' scales (8 bytes a row) and tokens rows (F16, or xq 8-bit).
func mqStageBytes(t quant.Type, tokens int, xq bool) int {
	tok := mqTokRow
	if xq {
		tok = mqTokRowXQ
	}
	row := 4*16 + 16 // Q4_K
	switch t {
	case quant.Q4_0:
		row += 8
	case quant.Q8_0:
		row = 4*32 + 16 + 8
	case quant.Q6_K:
		row = 64 + 32 + 8 + 4 + 4
	}
	return mqRows*row + tokens*tok
}

// shared is the dynamic shared memory f's kernel for t takes.
func (f mqFamily) shared(t quant.Type) int { return f.kern[t].stages * mqStageBytes(t, f.tokens, f.xq) }

// mqFor returns the family for a product of n tokens with weights of type
// t, k wide, at wp (row bytes rs), or false where none takes it: n from
// mqXQMinTokens (Q4_0: mqXQMinTokensQ4_0) to 64, below mmaMinTokens the
// 8-bit activations' family; k a multiple of a stage, rows 16-byte
// aligned, and a GPU that gives a block the shared memory.
func (d *Device) mqFor(t quant.Type, n, k, rs int, wp uint64) (mqFamily, bool) {
	f := mqFamily16
	switch {
	case n > 32:
		f = mqFamily64
	case n > 16:
		f = mqFamily32
	case n < mmaMinTokens:
		f = mqFamilyXQ
	}
	least := mqXQMinTokens
	if t == quant.Q4_0 {
		least = max(least, mqXQMinTokensQ4_0)
	}
	if _, ok := f.kern[t]; !ok || !mqOn || n < least || n > 64 || k%mqK != 0 || wp%16 != 0 || rs%16 != 0 {
		return f, false
	}
	if _, ok := d.kernels[f.prefix+mpKernels[t]]; !ok || f.shared(t) > d.sharedOptin {
		return f, false
	}
	return f, true
}

// matMulQ is matMulMMA on mmq.cu's kernels of family f: the activations
// converted to F16 once (shared as matMulPipe's are), k split by mqSplits.
func (d *Device) matMulQ(dst, x, w *backend.Tensor, op, xp, wp uint64, f mqFamily) error {
	n, k, m := x.Rows, x.Cols, w.Rows
	shape, ok := f.kern[w.Type]
	if !ok || n > f.tokens || k%mqK != 0 {
		return fmt.Errorf("cuda: matmul: %w: %d×%d %s weights, %d tokens on %s* kernels", backend.ErrUnsupported, m, k, w.Type, n, f.prefix)
	}
	tiles := int(blocks(m, mqRows))
	ktiles, splits := mqSplits(tiles, k/mqK, d.sms, f.tokens)
	kernel := f.prefix + mpKernels[w.Type]
	if !f.xq {
		return d.splitProduct(kernel, dst, w, op, xp, wp, n, tiles, splits, ktiles, shape.threads, f.shared(w.Type))
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	conv := "quantize_q8_0"
	if w.Type == quant.Q4_K || w.Type == quant.Q6_K {
		conv = "quantize_q8_k"
	}
	xq, xd, err := d.convert(conv, xp, n, k)
	if err != nil {
		return err
	}
	d.wrote(dst)
	return d.launchSplit(kernel, w, op, []uint64{wp, xq, xd}, n, tiles, splits, ktiles, shape.threads, f.shared(w.Type))
}

// mqSplits chooses how to split k (nk stages) for tiles row tiles of a
// family of tokens a block on sms multiprocessors, as mmaSplit does: enough
// splits to give each multiprocessor two blocks (BN ≤ 32) or one (BN = 64,
// whose blocks work twice as long on each stage and whose partial sums
// take twice the memory), at most mqMaxSplits. It returns the stages per
// split and the number of splits. BenchmarkMMA on an H100 (8B shapes,
// Q4_0, the split's mm_reduce included): 4096×4096 at 32 tokens 12.7 µs
// with 8 splits against 15.9 with 4 and 27.3 unsplit; at 64 tokens 17.3
// with 4 against 20.1 with 8; 14336×4096 (112 tiles) at 32 tokens 27.1 µs
// with 2 splits against 44.2 unsplit (mq32_q4_0's blocks of four warps;
// with eight, 27.2–29.1 against 27.7–28.5), at 64 tokens 40.7 unsplit
// against 48.7 with 2.
func mqSplits(tiles, nk, sms, tokens int) (ktiles, splits int) {
	perSM := 2
	if tokens > 32 {
		perSM = 1
	}
	splits = 1
	if want := perSM * sms; tiles < want {
		splits = max(1, min(want/tiles, nk/mmaMinKTiles, mqMaxSplits))
	}
	ktiles = (nk + splits - 1) / splits
	return ktiles, (nk + ktiles - 1) / ktiles
}

// mqXQMinTokens is the token count from which Q8_0, Q4_K and Q6_K products
// run on mmq.cu's kernels, mqXQMinTokensQ4_0 Q4_0's. BenchmarkMMA on an
// H100, 8B and 1.1B shapes, the 8-bit activation kernels against the
// matrix-vector kernels of 8 tokens a pass at 2 tokens: Q8_0 8B 4096×14336
// 31.1 against 65.7 µs, Q4_K 27.5 against 54.1, Q6_K 37.6 against 93.2,
// the 1.1B's within 4% or faster; Q4_0, whose matrix-vector kernels read
// the least, only from about 8 tokens (at 4 the 8B's 14336×4096 32.8
// against 34.2, the 1.1B's 2048×5632 16.4 against 12.3; at 8 the 8B's
// 14336×4096 33.0 against 53.1).
var (
	mqXQMinTokens     = 2
	mqXQMinTokensQ4_0 = 8
)

// mqMaxSplits caps matMulQ's k splits (a variable so that benchmarks can
// compare; 1: no split).
var mqMaxSplits = 8
