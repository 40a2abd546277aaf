package cpu

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// MatMul computes dst = x·wᵀ the way ggml's CPU backend does on x86: each
// row of x is first converted to the activation type paired with w's type
// (quant.VecDotType: Q8_0 for the 32-blocks, Q8_K for K-quants and ternary,
// F16 for F16 weights), then every weight row is dotted with every token's
// converted row. The dot product follows the kernel ggml would pick for the
// same shapes (see rowDotFor), so that results round as llama.cpp's do.
//
// Work is split by weight rows across the device's workers; each worker
// walks its rows in tiles small enough to stay in cache while every token's
// activations pass over them, so a prefill reads the weights from memory
// once.
func (d *Device) MatMul(dst, x, w *backend.Tensor) error {
	out, err := d.f32(dst)
	if err != nil {
		return err
	}
	xs, err := d.f32(x)
	if err != nil {
		return err
	}
	wb, err := d.bytes(w)
	if err != nil {
		return err
	}
	n, k, m := x.Rows, x.Cols, w.Rows
	if w.Cols != k || dst.Rows != n || dst.Cols != m {
		return fmt.Errorf("cpu: matmul %v = %v · %vᵀ", dst, x, w)
	}
	vt, xb, xq, err := d.activations(w.Type, n, k)
	if err != nil {
		return err
	}
	kern, err := d.kernelOf(w, n, k, wb, xq, xb)
	if err != nil {
		return fmt.Errorf("cpu: matmul: %w weight type %s: %w", backend.ErrUnsupported, w.Type, err)
	}
	if err := d.convert(vt, xs, n, k, xq, xb, kern.prep, kern.quantize, kern.extras); err != nil {
		return err
	}
	if n == 1 { // pieces that shorten toward the end, as MatMulShared's
		s := &d.shared
		s.outs, s.kerns, s.one[0] = append(s.outs[:0], out), append(s.kerns[:0], kern), w
		d.sharedRows(s.one[:], n, k, xq, xb)
		clear(s.kerns)
		clear(s.outs)
		s.one[0] = nil
		return nil
	}
	d.tiledRows(kern, out, n, k, m, w.RowBytes(), xq, xb)
	return nil
}

// tiledRows runs an n-token product's rows (kern.tiles) on the device's
// workers. It takes kern by value: the copy its closure holds escapes, and
// one-token products, which never come here, then allocate nothing.
func (d *Device) tiledRows(kern kernel, out []float32, n, k, m, rb int, xq []byte, xb int) {
	tile := kern.tile(rb)
	minRows := max(kern.align, minParallelWork/max(1, n*k))
	d.parallelAligned(m, minRows, kern.align, func(lo, hi int) {
		kern.tiles(out, n, m, lo, hi, tile, rb, xq, xb)
	})
}

// twoHalf is, for a one-token product of m rows whose kernel reads two
// runs of rows at once (rowsTwo), the distance h in rows between the runs:
// rows [0, h) go beside rows [h, 2h), and the last m-2h (fewer than two
// alignments) through rows. Zero where rows alone do the product.
func (kern *kernel) twoHalf(n, m int) int {
	if n != 1 || kern.rowsTwo == nil {
		return 0
	}
	return m / (2 * kern.align) * kern.align
}

// convert quantizes the n rows of xs (k wide) to vt, xb bytes a row of xq,
// and runs prep (when set) on each converted row; or quantize (when set)
// does both (a kernel's prep and quantize, extras what they write beside
// the first row).
//
// One token's conversion first claims the lines it writes (claimLines),
// lines the workers read in the last product. On the 2-core development
// host, at the minutes its two cores sit far apart (a round trip between
// them of 350 ns instead of 65, and twice the memory bandwidth), the 1.1B
// Q4_0 decode's conversions took 500-570 µs a token, 5-18 µs each, where
// converting the same row again at once took 1 µs; with a zero written to
// each line first they took 180-215 µs, claiming included, and the token
// ran ×1.027 as fast (median of 48 in-process repetitions; bench/cpu-21-22.md,
// session 22). Asking for the lines with PREFETCHW instead saved less than
// a tenth of the time. Where the cores are near, the token runs as before
// (×1.002, median of 237).
func (d *Device) convert(vt quant.Type, xs []float32, n, k int, xq []byte, xb int, prep func(int), quantize func(int, []float32), extras *q4Act) error {
	if n == 1 && d.threads > 1 {
		claimLines(xq[:xb])
		if extras != nil {
			claimLines(wordBytes(extras.bias))
			claimLines(wordBytes(extras.d))
		}
	}
	if d.threads == 1 || n < 2*convertChunk { // what parallel would do, without its closure
		var err error
		for i := range n {
			if e := convertRow(vt, xq[i*xb:(i+1)*xb], xs[i*k:(i+1)*k], i, prep, quantize); e != nil {
				err = e
			}
		}
		if err != nil {
			return fmt.Errorf("cpu: matmul: %w", err)
		}
		return nil
	}
	var qerr atomic.Pointer[error]
	d.parallel(n, convertChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if err := convertRow(vt, xq[i*xb:(i+1)*xb], xs[i*k:(i+1)*k], i, prep, quantize); err != nil {
				qerr.Store(&err)
			}
		}
	})
	if err := qerr.Load(); err != nil {
		return fmt.Errorf("cpu: matmul: %w", *err)
	}
	return nil
}

// convertRow converts row i of the activations, x, into q: by quantize
// where it is set, else by quantizeRow and then prep (when set).
func convertRow(vt quant.Type, q []byte, x []float32, i int, prep func(int), quantize func(int, []float32)) error {
	if quantize != nil {
		quantize(i, x)
		return nil
	}
	if err := quantizeRow(vt, q, x); err != nil {
		return err
	}
	if prep != nil {
		prep(i)
	}
	return nil
}

// convertChunk is the fewest activation rows a worker converts at once.
const convertChunk = 4

// tile is the rows of rb bytes a worker keeps hot while every token of a
// step passes over them (tileBytes), a multiple of the kernel's alignment.
func (kern *kernel) tile(rb int) int {
	return max(kern.align, (tileBytes/max(rb, 1))/kern.align*kern.align)
}

// tiles computes weight rows [lo, hi) of an n-token product into out (n×m),
// tile rows at a time: every token passes over a tile before the next.
func (kern *kernel) tiles(out []float32, n, m, lo, hi, tile, rb int, xq []byte, xb int) {
	for r0 := lo; r0 < hi; r0 += tile {
		r1 := min(r0+tile, hi)
		i := 0
		if kern.rows4 != nil && n >= multiToken && kern.src != nil {
			readAhead(kern.src[r0*rb : r1*rb])
		}
		if kern.rows4 != nil {
			for ; i+multiToken <= n; i += multiToken {
				var o [multiToken][]float32
				for t := range o {
					o[t] = out[(i+t)*m+r0 : (i+t)*m+r1]
				}
				if !kern.rows4(o, r0, i) {
					break
				}
			}
		}
		for ; i < n; i++ {
			kern.rows(out[i*m+r0:i*m+r1], r0, i, xq[i*xb:(i+1)*xb])
		}
	}
}

// quantizeRow is quantizeActivations with Q8_K (the K-quants' and ternary
// formats' activations) made by the vector quantizer where there is one.
func quantizeRow(t quant.Type, dst []byte, src []float32) error {
	if t == quant.Q8_K {
		return quantizeQ8K(dst, src)
	}
	return quantizeActivations(t, dst, src)
}

// maxF16Row is the longest F16 row the converting kernel takes (its row
// buffer lives on the stack); longer rows go through the one-row path.
const maxF16Row = 16384

// minParallelWork is the fewest multiply-adds worth handing to another
// worker: below it (stories260K's 64×64 matrices) waking a worker costs
// more than the work.
const minParallelWork = 1 << 16

// tileBytes is the weight bytes a worker keeps hot while every token of a
// step passes over them: half of a typical 1 MiB L2, leaving room for the
// activations.
const tileBytes = 256 << 10

// kernel computes a matmul's outputs for a range of weight rows and one
// token: rows sets out[j] for weight rows r0+j; prep, when set, runs on
// each token's converted activations as soon as they are made (on any
// worker: it must touch only token i's data).
type kernel struct {
	align int // row ranges start at multiples of align
	rows  func(out []float32, r0, tok int, x []byte)
	prep  func(i int)
	// quantize, when set, converts token i's activations (src) and does
	// prep's work on them in one pass: convert calls it in place of
	// quantizeRow and prep.
	quantize func(i int, src []float32)
	// rows4, when set, does rows' work for tokens tok…tok+3 at once and
	// reports whether it could (false: use rows).
	rows4 func(out [multiToken][]float32, r0, tok int) bool
	// rowsTwo, when set, does rows' work for one token (the first) on two
	// runs of rows at once, len(outA) = len(outB) of each: the rows at wA
	// into outA and those at wB into outB, laid out as mem lays out its
	// rows. It reads the two runs as two streams: one core reads two
	// streams a megabyte or more apart ~10% faster than one
	// (bench/cpu-earlier.md), so a one-token product pairs each row of its
	// first half with the row half a matrix further on (twoHalf), and
	// MatMulSwiGLU each row of the gate with the same row of the up
	// projection, whose kernel is of the same kind.
	rowsTwo func(outA, outB []float32, wA, wB []byte)
	// src, when set, is the weights rows and rows4 read, rb bytes a row:
	// a tile of them is read in order before rows4, for four-token kernels
	// that read several rows at once (see readAhead). Kernels that read one
	// row or one 8-row group at a time leave it nil: reading ahead only
	// slowed them (Q4_0 pp64 −4%).
	src []byte
	// mem is the weights a one-token product's rows and rowsTwo read, rb
	// bytes a row in row order (repacked Q4_0's groups of rows are rows
	// in order too): what a worker reads ahead of its piece (aheadPlans).
	mem []byte
	// extras, when set, is the first token's records that prep or
	// quantize write beside its converted row (convert claims their lines).
	extras *q4Act
}

// kernelOf is kernelFor for an n-token product with w (wb its bytes): a
// whole tensor of this device keeps its one-token kernel (buffer.one), so
// that a decode step's products do not make their closures again (a
// decode step allocates nothing), nor touch what making them reads,
// between the streams of weights that have pushed it out of the caches.
// Streamed tensors, and tensors of a format MatMul repacks that Map did
// not repack (kernelFor repacks those for each product), make theirs each
// time.
func (d *Device) kernelOf(w *backend.Tensor, n, k int, wb, xq []byte, xb int) (kernel, error) {
	b, ok := w.Buf.(*buffer)
	keep := n == 1 && ok && b.dev == d && w.Off == 0 && len(wb) == len(b.data) && !b.streamed &&
		(!repacks(w.Type, w.Rows, k) || b.packed != nil)
	if !keep {
		return d.kernelFor(w.Type, n, k, w.Rows, wb, d.packedOf(w), d.streamed(w), xq, xb)
	}
	if c := &b.one; c.kern.rows != nil && c.gen == d.scratch.gen && c.xq == unsafe.SliceData(xq) && c.xb == xb &&
		c.t == w.Type && c.k == k && c.m == w.Rows && c.level == kernelLevel() {
		return c.kern, nil
	}
	kern, err := d.kernelFor(w.Type, n, k, w.Rows, wb, b.packed, false, xq, xb)
	if err != nil {
		return kernel{}, err
	}
	b.one = oneKernel{kern: kern, t: w.Type, k: k, m: w.Rows, level: kernelLevel(), gen: d.scratch.gen, xq: unsafe.SliceData(xq), xb: xb}
	return kern, nil
}

// oneKernel is a weight tensor's one-token kernel (kernelOf) with what it
// was made for and with: the shape the tensor was viewed as, the kernel
// levels that chose it (kernelLevel), and the device's scratch (its
// generation and the converted activations' place and row bytes).
type oneKernel struct {
	kern  kernel
	t     quant.Type
	k, m  int
	level uint8
	gen   uint64
	xq    *byte
	xb    int
}

// kernelFor is pickKernel's kernel with mem set: packed for repacked
// weights, wb for the others.
func (d *Device) kernelFor(t quant.Type, n, k, m int, wb, packed []byte, transient bool, xq []byte, xb int) (kernel, error) {
	kern, err := d.pickKernel(t, n, k, m, wb, packed, transient, xq, xb)
	if err == nil && kern.mem == nil {
		kern.mem = wb
	}
	return kern, err
}

// pickKernel picks the kernel ggml's CPU backend (AVX2/AVX-512 build) uses
// for an n-token product with an m×k weight of type t, so results round the
// same:
//   - F32, F16: tinyBLAS when n ≥ 2 and k is a multiple of 16 (llamafile's
//     sgemm), ggml_vec_dot otherwise;
//   - Q4_0 with m a multiple of 8: the repacked 8×8 kernels, block by block
//     (with AVX-512 VNNI and m a multiple of 16, the same order on 16-row
//     groups, see repack.go);
//   - Q8_0 with AVX-512 VNNI and m a multiple of 16: repacked in 16-row
//     groups, block by block, as Q4_0 (see q8wide.go);
//   - Q5_0, Q4_1, Q5_1, IQ4_NL and TQ1_0 with AVX-512 VNNI and m a
//     multiple of 16: repacked in 16-row groups, in ggml's 8 lanes (see
//     q50wide.go, q41wide.go, iq4nlwide.go, tq1wide.go);
//   - Q4_0, Q5_0, Q8_0 otherwise: 8 lanes (vec_dot and tinyBLAS agree);
//   - TQ2_0 with AVX-512 VNNI and m a multiple of 16: repacked in 16-row
//     groups, block by block (see tq2wide.go);
//   - TQ2_0 otherwise: ggml_vec_dot_tq2_0_q8_K's 8 lanes (AVX2);
//   - Q2_K with AVX-512 VNNI and m a multiple of 16: repacked in 16-row
//     groups, in ggml_vec_dot_q2_K_q8_K's 8 lanes (see q2kwide.go);
//   - Q3_K with AVX-512 VNNI and m a multiple of 16: repacked in 16-row
//     groups, in ggml_vec_dot_q3_K_q8_K's 8 lanes (see q3kwide.go);
//   - Q4_K with AVX-512 VNNI and m a multiple of 16: repacked in 16-row
//     groups, block by block (see q4kwide.go);
//   - Q5_K with AVX-512 VNNI and m a multiple of 16: repacked in 16-row
//     groups, in ggml_vec_dot_q5_K_q8_K's 8 lanes (see q5kwide.go);
//   - Q6_K with AVX-512 VNNI and m a multiple of 16: repacked in 16-row
//     groups, block by block (q6kwide.go);
//   - Q4_K, Q6_K: ggml_vec_dot_q4_K_q8_K's and ggml_vec_dot_q6_K_q8_K's 8
//     lanes (AVX2), per token (four tokens at once where the machine can);
//   - other formats: quant.VecDot, ggml's generic order.
//
// Where the 8-lane kernels run, a product of four tokens or more meets
// four tokens with each block a kernel unpacks (the rows4 kernels): with
// AVX-512 in Y16-Y31; on AVX2 machines within sixteen registers, the
// *x4AVX2 kernels of Q4_0, Q8_0, Q5_0, Q4_1, Q5_1, IQ4_NL, Q2_K, Q3_K,
// Q4_K, Q5_K, Q6_K, TQ1_0 and TQ2_0 (F32 and F16 have their own; BF16's
// needs AVX-512). Each token's sums are exactly the one-token kernel's.
//
// With AVX-512, the one-token TQ2_0 and Q4_K kernels keep those lanes in
// 512-bit vectors, two halves a vector, from activations laid out once per
// product (prep).
//
// packed, when not nil, is wb repacked (Map made it); transient weights
// (MapStreamed) are repacked for this product only.
func (d *Device) pickKernel(t quant.Type, n, k, m int, wb, packed []byte, transient bool, xq []byte, xb int) (kernel, error) {
	rb, err := t.RowBytes(k)
	if err != nil {
		return kernel{}, err
	}
	if f := wideFormatOf(t); f.kernel != nil && repacks(t, m, k) {
		return f.kernel(d, n, m, k/t.BlockSize(), wb, packed, transient, xq, xb), nil
	}
	nb := k / 32
	switch {
	case t == quant.Q8_0:
		kern := kernel{
			align: 1,
			rows: func(out []float32, r0, _ int, x []byte) {
				dotRowsQ8_0(out, wb[r0*rb:], rb, x, nb)
			},
			rowsTwo: func(outA, outB []float32, wA, wB []byte) {
				dotRowsQ8_0Two(outA, outB, wA, wB, rb, xq[:xb], nb)
			},
			src: wb,
		}
		if n >= multiToken && hasQ8Pairs() { // 16 lanes: two tokens a vector
			ps := nb * q8PairRecord
			pairs := d.scratch.pairs((n + 1) / 2 * ps)
			kern.prep = func(i int) {
				fillQ8Pair(pairs[i/2*ps:][:ps], xq[i*xb:][:xb], nb, i%2)
			}
			kern.rows4 = func(out [multiToken][]float32, r0, tok int) bool {
				return dotRowsQ8_0Pairs(out, wb[r0*rb:], rb, pairs[tok/2*ps:], ps, nb)
			}
		} else if n >= multiToken { // the four-token kernels take x+128 and float scales
			acts := d.scratch.q4acts(n, nb)
			u := d.scratch.unsigned(n * nb * 32)
			kern.prep = func(i int) {
				for j := range nb {
					blk := xq[i*xb+j*q8Block:][:q8Block]
					acts[i].d[j] = half(blk)
					ub := u[(i*nb+j)*32:][:32]
					for e := 0; e < 32; e += 8 {
						binary.LittleEndian.PutUint64(ub[e:], binary.LittleEndian.Uint64(blk[2+e:])^0x8080808080808080)
					}
				}
			}
			kern.rows4 = func(out [multiToken][]float32, r0, tok int) bool {
				return dotRowsQ8_0x4(out, wb[r0*rb:], rb, xq[tok*xb:], xb, u[tok*nb*32:], d.scratch.d[tok*nb:], nb)
			}
		}
		return kern, nil
	case t == quant.Q4_0 && m%q4GroupRows == 0:
		packed = d.packedFor(t, wb, packed, transient, m, nb)
		acts := d.scratch.q4acts(n, nb)
		bias, ds := d.scratch.bias[:n*nb], d.scratch.d[:n*nb] // acts[i]'s, as q4acts sets them
		kern := kernel{
			align:  q4GroupRows,
			mem:    packed,
			extras: &acts[0],
			quantize: func(i int, src []float32) { // sets xq's row i and acts[i], which the kernels read
				quantizeQ4Act(&acts[i], xq[i*xb:(i+1)*xb], src, bias[i*nb:(i+1)*nb], ds[i*nb:(i+1)*nb])
			},
		}
		// Only the functions an n-token product calls are made: each is an
		// allocation, and a one-token product's setup is on its critical path.
		if groupRows(m) != q4WideRows {
			kern.rows = func(out []float32, r0, tok int, _ []byte) {
				dotGroupsQ4_0(out, packed[r0*rb:], nb, &acts[tok])
			}
			if n >= multiToken {
				kern.rows4 = func(out [multiToken][]float32, r0, tok int) bool {
					return dotGroupsQ4_0x4(out, packed[r0*rb:], nb, acts[tok:tok+multiToken])
				}
			}
			return kern, nil
		}
		kern.align = q4WideRows // repacked in groups of 16 rows
		kern.rows = func(out []float32, r0, tok int, _ []byte) {
			dotWideQ4_0(out, packed[r0*rb:], nb, &acts[tok])
		}
		if n == 1 {
			kern.rowsTwo = func(outA, outB []float32, wA, wB []byte) {
				dotWideQ4_0Two(outA, outB, wA, wB, nb, &acts[0])
			}
		}
		if n >= multiToken {
			kern.rows4 = func(out [multiToken][]float32, r0, tok int) bool {
				return dotWideQ4_0x4(out, packed[r0*rb:], nb, acts[tok:tok+multiToken])
			}
		}
		return kern, nil
	}
	if t == quant.F32 && !(n >= 2 && k%tileStep == 0) {
		// ggml_vec_dot_f32 row after row: the batched scores kernel (×1)
		wf := unsafeF32(wb)
		return kernel{align: 1, rows: func(out []float32, r0, _ int, x []byte) {
			kqScores(out, wf[r0*k:], k, unsafeF32(x)[:k], 1)
		}}, nil
	}
	if t == quant.F32 { // tinyBLAS: a row at a time for a token, four tokens at once
		wf := unsafeF32(wb)
		return kernel{
			align: 1,
			rows: func(out []float32, r0, _ int, x []byte) {
				for j := range out {
					out[j] = tileDotF32(wf[(r0+j)*k:(r0+j+1)*k], unsafeF32(x)[:k])
				}
			},
			rows4: func(out [multiToken][]float32, r0, tok int) bool {
				return dotRowsF32x4(out, wb[r0*rb:], rb, unsafeF32(xq[tok*xb:]), k)
			},
		}, nil
	}
	if t == quant.TQ2_0 {
		if kern, ok := d.tq2Kernel(n, k/256, wb, rb, xq, xb); ok {
			return kern, nil
		}
		kern := kernel{align: 1, rows: func(out []float32, r0, _ int, x []byte) {
			dotRowsTQ2_0(out, wb[r0*rb:], rb, x, k/256)
		}}
		if n >= multiToken {
			kern.rows4 = func(out [multiToken][]float32, r0, tok int) bool {
				return dotRowsTQ2_0x4(out, wb[r0*rb:], rb, xq[tok*xb:], xb, k/256)
			}
		}
		return kern, nil
	}
	if t == quant.Q4_K {
		kern := kernel{
			align: 1,
			rows: func(out []float32, r0, _ int, x []byte) {
				dotRowsQ4_K(out, wb[r0*rb:], rb, x, k/256)
			},
			rows4: func(out [multiToken][]float32, r0, tok int) bool {
				return dotRowsQ4_Kx4(out, wb[r0*rb:], rb, xq[tok*xb:], xb, k/256)
			},
		}
		if prep, rows, rowsTwo, ok := d.q4kRows(n, k/256, wb, rb, xq, xb); ok {
			kern.prep, kern.rows, kern.rowsTwo = prep, rows, rowsTwo
		}
		return kern, nil
	}
	if t == quant.Q6_K {
		return kernel{
			align: 1,
			rows: func(out []float32, r0, _ int, x []byte) {
				dotRowsQ6_K(out, wb[r0*rb:], rb, x, k/256)
			},
			rows4: func(out [multiToken][]float32, r0, tok int) bool {
				return dotRowsQ6_Kx4(out, wb[r0*rb:], rb, xq[tok*xb:], xb, k/256)
			},
		}, nil
	}
	if t == quant.F16 && k <= maxF16Row {
		return d.f16Kernel(n, k, wb, rb, xq, xb), nil
	}
	if kern, ok := d.formatKernel(t, n, k, m, wb, xq, xb); ok {
		return kern, nil
	}
	dot, err := rowDotFor(t, n, k, m)
	if err != nil {
		return kernel{}, err
	}
	return kernel{align: 1, rows: func(out []float32, r0, _ int, x []byte) {
		for j := range out {
			r := r0 + j
			out[j] = dot(k, wb[r*rb:(r+1)*rb], x)
		}
	}}, nil
}

// rowDot is the dot product of k elements of one weight row with one row of
// activations converted to the weight type's activation type.
type rowDot func(k int, w, x []byte) float32

// rowDotFor is the one-row form of kernelFor's choice, in Go.
func rowDotFor(t quant.Type, n, k, m int) (rowDot, error) {
	tiled := n >= 2 && k%tileStep == 0
	switch t {
	case quant.F32:
		if tiled {
			return func(k int, w, x []byte) float32 { return tileDotF32(unsafeF32(w)[:k], unsafeF32(x)) }, nil
		}
		return func(k int, w, x []byte) float32 { return vecDotF32(unsafeF32(w)[:k], unsafeF32(x)) }, nil
	case quant.F16:
		return func(k int, w, x []byte) float32 {
			var wa, xa [256]float32
			a, b := wa[:0], xa[:0]
			if k <= len(wa) {
				a, b = wa[:k], xa[:k]
			} else {
				a, b = make([]float32, k), make([]float32, k)
			}
			f16s(a, w)
			f16s(b, x)
			if tiled {
				return tileDotF32(a, b)
			}
			return vecDotF16(a, b)
		}, nil
	case quant.Q4_0:
		if m%8 == 0 {
			return func(k int, w, x []byte) float32 { return dotBlocks(k/32, q4Block, w, x, q4Vals) }, nil
		}
		return func(k int, w, x []byte) float32 { return dotLanes8(k/32, q4Block, w, x, q4Vals) }, nil
	case quant.Q5_0:
		return func(k int, w, x []byte) float32 { return dotLanes8(k/32, q5Block, w, x, q5Vals) }, nil
	case quant.Q8_0:
		if repacks(t, m, k) {
			return func(k int, w, x []byte) float32 { return dotBlocks(k/32, q8Block, w, x, q8Vals) }, nil
		}
		return func(k int, w, x []byte) float32 { return dotLanes8(k/32, q8Block, w, x, q8Vals) }, nil
	case quant.TQ2_0:
		if repacks(t, m, k) {
			return func(k int, w, x []byte) float32 { return dotTQ2Blocks(k/256, w, x) }, nil
		}
		return func(k int, w, x []byte) float32 { return dotTQ2_0Lanes(k/256, w, x) }, nil
	case quant.Q3_K: // the row kernels' order and the repacked ones'
		return func(k int, w, x []byte) float32 { return dotQ3_KLanes(k/256, w, x) }, nil
	case quant.Q4_K:
		if repacks(t, m, k) {
			return func(k int, w, x []byte) float32 { return dotQ4KBlocks(k/256, w, x) }, nil
		}
		return func(k int, w, x []byte) float32 { return dotQ4_KLanes(k/256, w, x) }, nil
	case quant.Q6_K:
		if repacks(t, m, k) {
			return func(k int, w, x []byte) float32 { return dotQ6KBlocks(k/256, w, x) }, nil
		}
		return func(k int, w, x []byte) float32 { return dotQ6_KLanes(k/256, w, x) }, nil
	}
	if _, err := quant.VecDot(t, 0, nil, nil); err != nil {
		return nil, err
	}
	return func(k int, w, x []byte) float32 {
		v, _ := quant.VecDot(t, k, w, x) // sizes were checked by the caller
		return v
	}, nil
}
