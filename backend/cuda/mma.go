package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// mmaMinTokens is the token count from which products run on the tensor
// cores (mma.cu, mmp.cu): below it the matrix-vector kernels, which read
// the weights once per 8 tokens, are as fast. (A variable so that
// benchmarks can run the matrix-vector kernels on more tokens.)
var mmaMinTokens = 16

// mmaHalfMinTokens is the same for F16 and BF16 weights, whose activations
// both paths round to F16 (BF16) alike: BenchmarkMMA on an H100, the
// tensor cores against the matrix-vector kernels at 4 tokens, F16 8B
// 4096×14336 64.3 against 183.3 µs, 14336×4096 63.7 against 67.2, 1.1B
// 2048×2048 8.7 against 12.9; at 3 tokens 14336×4096 took 63.5 against
// 60.0.
var mmaHalfMinTokens = 4

// mmaRows and mmaTokens are MM_BM and MM_BN of mma.cu: the tile of weight
// rows × tokens one block of mmaThreads computes.
const (
	mmaRows    = 128
	mmaTokens  = 64
	mmaK       = 32 // MM_BK: k per step
	mmaThreads = 256
	// mmaBlocksPerSM is how many blocks of mma.cu and mmp.cu run on a
	// multiprocessor at once (__launch_bounds__); products of fewer tiles
	// than that fills are split along k.
	mmaBlocksPerSM = 2
	// mmaMinKTiles is the shortest split (in k steps) worth its partial
	// sums.
	mmaMinKTiles = 4
)

// mmaKernels names the tensor-core kernel of each weight format.
var mmaKernels = map[quant.Type]string{
	quant.F16: "mm_f16", quant.BF16: "mm_bf16", quant.Q8_0: "mm_q8_0",
	quant.Q4_0: "mm_q4_0", quant.Q4_K: "mm_q4_k", quant.Q6_K: "mm_q6_k",
}

// matMulMMA is MatMul on the tensor cores: weights dequantized to F16 (BF16
// for BF16) tile by tile, activations rounded to F16 (BF16), F32 sums. op,
// xp and wp are the checked addresses of dst, x and w. Q4_0, Q8_0, Q4_K
// and Q6_K products of 16–64 tokens go to mmq.cu's kernels (mqFor);
// weights whose rows the pipelined kernels (mp_*) can copy go to them, the
// others to mm_*.
func (d *Device) matMulMMA(dst, x, w *backend.Tensor, op, xp, wp uint64) error {
	if f, ok := d.mqFor(w.Type, x.Rows, x.Cols, w.RowBytes(), wp); ok {
		return d.matMulQ(dst, x, w, op, xp, wp, f)
	}
	if mpAlign(w.Type, x.Cols, w.RowBytes(), wp) != 0 {
		return d.matMulPipe(dst, x, w, op, xp, wp, nil)
	}
	return d.matMulTiles(dst, x, w, op, xp, wp)
}

// matMulTiles is matMulMMA on mm_*, which take any weights of their
// formats: activations rounded as they are loaded, registers carrying the
// next k step's loads.
func (d *Device) matMulTiles(dst, x, w *backend.Tensor, op, xp, wp uint64) error {
	n, k, m := x.Rows, x.Cols, w.Rows
	kernel, ok := mmaKernels[w.Type]
	if !ok {
		return fmt.Errorf("cuda: matmul: %w: weight type %s on the tensor cores", backend.ErrUnsupported, w.Type)
	}
	rs := w.RowBytes()
	aligned := wp%16 == 0 && rs%16 == 0 // 16-byte loads of F16/BF16 words, Q8_0/Q4_0 quants
	switch w.Type {
	case quant.Q4_K: // 144-byte blocks: 16-byte aligned wherever the tensor is
		aligned = wp%16 == 0
	case quant.Q6_K: // regions of a row 16-byte aligned (layout.go)
		aligned = aligned && (k/256)%8 == 0
	}
	xal := xp%16 == 0 && k%4 == 0
	tiles := int(blocks(m, mmaRows) * blocks(n, mmaTokens))
	ktiles, splits := mmaSplit(tiles, (k+mmaK-1)/mmaK, d.sms)
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(dst)
	var part uint64
	if splits > 1 {
		if part, err = d.parts.get(d, 4*splits*n*m); err != nil {
			return err
		}
	}
	err = d.launch(kernel, dims{uint32(tiles), 1, uint32(splits)}, dims{mmaThreads, 1, 1}, 0,
		op, wp, xp, i32(m), i32(k), i32(n), i64(rs), i32(boolInt(aligned)), i32(boolInt(xal)), i32(ktiles), part)
	if err != nil || splits == 1 {
		return err
	}
	return d.launch("mm_reduce", dims{min(blocks(n*m, elemThreads), maxElemBlocks), 1, 1}, dims{elemThreads, 1, 1}, 0,
		op, part, i64(n*m), i32(splits))
}

// mmaSplit chooses how to split k for a product of tiles output tiles and
// nk k-tiles on a GPU of sms multiprocessors: enough splits to give every
// multiprocessor mmaBlocksPerSM blocks, each split at least mmaMinKTiles
// k-tiles long. It returns the k-tiles per split and the number of splits.
func mmaSplit(tiles, nk, sms int) (ktiles, splits int) {
	splits = 1
	if want := mmaBlocksPerSM * sms; tiles < want {
		splits = max(1, min(want/tiles, nk/mmaMinKTiles))
	}
	ktiles = (nk + splits - 1) / splits
	return ktiles, (nk + ktiles - 1) / ktiles
}

// mpKernels names the pipelined kernels' format suffix.
var mpKernels = map[quant.Type]string{
	quant.F16: "f16", quant.BF16: "bf16", quant.Q8_0: "q8_0",
	quant.Q4_0: "q4_0", quant.Q4_K: "q4_k", quant.Q6_K: "q6_k",
}

// mpTile is a family of pipelined kernels (mmp.cu): tiles of 128 weight
// rows × tokens, computed by blocks of threads; quantOnly families
// (dequantizing a step ahead into a second tile) exist for Q8_0, Q4_0 and
// Q4_K only.
type mpTile struct {
	prefix          string
	tokens, threads int
	quantOnly       bool
}

// The pipelined kernel families.
var (
	mpTile128   = mpTile{"mp_", 128, 256, false}  // 8 warps of 64 rows × 32 tokens
	mpTile64    = mpTile{"mp64_", 64, 256, false} // 8 warps of 32 × 32
	mpTileWide  = mpTile{"mpw_", 128, 128, false} // 4 warps of 64 × 64
	mpTileWideD = mpTile{"mpwd_", 128, 128, true} // mpw_, dequantizing a step ahead
)

// has reports whether the family has a kernel for weights of type t.
func (f mpTile) has(t quant.Type) bool {
	return !f.quantOnly || t == quant.Q8_0 || t == quant.Q4_0 || t == quant.Q4_K
}

// mpAlign is the alignment the pipelined kernels copy weights of type t
// with k columns, row bytes rs, at device address wp in: 16 (16-byte
// words), 4 (4-byte pieces: the *_w4 kernels, for Q8_0, Q4_0 and Q6_K
// rows of an even number of blocks) or 0 where they cannot (the weights
// and every row must start so aligned). The F16 activations' rows must be
// 16-byte aligned too: k a multiple of 8 (the quantized formats' k is a
// multiple of 32).
func mpAlign(t quant.Type, k, rs int, wp uint64) int {
	if _, ok := mpKernels[t]; !ok || k%8 != 0 {
		return 0
	}
	switch {
	case wp%16 == 0 && rs%16 == 0:
		return 16
	case wp%4 == 0 && rs%4 == 0 && (t == quant.Q8_0 || t == quant.Q4_0 || t == quant.Q6_K):
		return 4
	}
	return 0
}

// mpChoose chooses the pipelined kernel family for weights of type t, n
// tokens and m weight rows on sms multiprocessors, from BenchmarkMMA on an
// H100 (8B and 1.1B shapes, n = 512 and 2048). 64-token tiles only for
// n ≤ 64 (less spent on absent tokens): they dequantize each weight tile
// once per 64 tokens, which ran the quantized formats 30–40% slower, so
// 128-token tiles otherwise, even where they are too few and k is split.
// F16, BF16 and Q6_K: 8 warps (the 4-warp families ran F16 3–8% slower,
// Q6_K alike). Q4_K: 4 warps, dequantizing a step ahead (5–8% faster).
// Q8_0 gains from 4 warps dequantizing ahead (2–5%) where the tiles
// nearly fill the GPU, Q4_0 from 4 warps (1–2%) where they fill it twice.
func mpChoose(t quant.Type, n, m, sms int) mpTile {
	tiles := int(blocks(m, mmaRows) * blocks(n, 128))
	switch {
	case n <= 64:
		return mpTile64
	case t == quant.Q4_K, t == quant.Q8_0 && 4*tiles >= 3*sms:
		return mpTileWideD
	case t == quant.Q4_0 && tiles >= 2*sms:
		return mpTileWide
	}
	return mpTile128
}

// matMulPipe is matMulMMA on the pipelined kernels (where mpAlign allows):
// the activations converted to F16 (BF16) once, then tiles of family tile
// (nil: mpChoose chooses).
func (d *Device) matMulPipe(dst, x, w *backend.Tensor, op, xp, wp uint64, tile *mpTile) error {
	n, k, m := x.Rows, x.Cols, w.Rows
	align := mpAlign(w.Type, k, w.RowBytes(), wp)
	if align == 0 {
		return fmt.Errorf("cuda: matmul: %w: %d×%d %s weights at %#x on the pipelined tensor-core kernels", backend.ErrUnsupported, m, k, w.Type, wp)
	}
	t := mpChoose(w.Type, n, m, d.sms)
	if tile != nil {
		t = *tile
	}
	if !t.has(w.Type) {
		return fmt.Errorf("cuda: matmul: %w: %s weights on %s* kernels", backend.ErrUnsupported, w.Type, t.prefix)
	}
	kernel := t.prefix + mpKernels[w.Type]
	if align == 4 {
		kernel += "_w4"
	}
	tiles := int(blocks(m, mmaRows) * blocks(n, t.tokens))
	ktiles, splits := mmaSplit(tiles, (k+mmaK-1)/mmaK, d.sms)
	return d.splitProduct(kernel, dst, w, op, xp, wp, n, tiles, splits, ktiles, t.threads, 0)
}

// splitProduct queues a product of mmp.cu or mmq.cu, dst (at op) = x (n
// rows of F32 at xp) · wᵀ (w at wp): x converted to F16 (BF16 for BF16
// weights), then kernel on a grid of tiles row tiles and splits k splits
// of ktiles k steps each, blocks of threads with shared bytes of dynamic
// shared memory, then mm_reduce to add the splits' partial sums. The
// one-token products' conversion hint stays theirs (mm_*, which convert
// nothing, leave it too); the conversion made is the tensor-core products'
// hint.
func (d *Device) splitProduct(kernel string, dst, w *backend.Tensor, op, xp, wp uint64, n, tiles, splits, ktiles, threads, shared int) error {
	k := w.Cols
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	hint := d.convHint
	xh, err := d.toHalf(w.Type, xp, n, k)
	d.convHint, d.mmaHint = hint, d.convHint
	if err != nil {
		return err
	}
	d.wrote(dst)
	return d.launchSplit(kernel, w, op, []uint64{wp, xh}, n, tiles, splits, ktiles, threads, shared)
}

// launchSplit queues kernel (mmp.cu, mmq.cu) for dst at op = x·wᵀ, its
// parameters op, then ins (the weights' and the converted activations'
// addresses), the shape, ktiles and the partial sums' buffer, on a grid of
// tiles row tiles and splits k splits, then mm_reduce to add the splits.
// The caller holds the context.
func (d *Device) launchSplit(kernel string, w *backend.Tensor, op uint64, ins []uint64, n, tiles, splits, ktiles, threads, shared int) error {
	m, k := w.Rows, w.Cols
	var part uint64
	if splits > 1 {
		var err error
		if part, err = d.parts.get(d, 4*splits*n*m); err != nil {
			return err
		}
	}
	params := append(append([]uint64{op}, ins...), i32(m), i32(k), i32(n), i64(w.RowBytes()), i32(ktiles), part)
	err := d.launch(kernel, dims{uint32(tiles), 1, uint32(splits)}, dims{uint32(threads), 1, 1}, shared, params...)
	if err != nil || splits == 1 {
		return err
	}
	return d.launch("mm_reduce", dims{min(blocks(n*m, elemThreads), maxElemBlocks), 1, 1}, dims{elemThreads, 1, 1}, 0,
		op, part, i64(n*m), i32(splits))
}
