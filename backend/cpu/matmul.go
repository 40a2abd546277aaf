package cpu

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// MatMul computes dst = x·wᵀ the way ggml's CPU backend does on x86: each
// row of x is first converted to the activation type paired with w's type
// (quant.VecDotType: Q8_0 for the 32-blocks, Q8_K for K-quants and ternary,
// F16 for F16 weights), then each weight row is dotted with every token's
// converted row, so a prefill reads the weights once. The dot product
// follows the kernel ggml would pick for the same shapes (see rowDotFor), so
// that results round as llama.cpp's do.
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
	dot, err := rowDotFor(w.Type, n, k, m)
	if err != nil {
		return fmt.Errorf("cpu: matmul: %w weight type %s: %w", backend.ErrUnsupported, w.Type, err)
	}
	rb := w.RowBytes()
	vt := quant.VecDotType(w.Type)
	xb, err := vt.RowBytes(k)
	if err != nil {
		return fmt.Errorf("cpu: matmul: %w", err)
	}
	xq := make([]byte, n*xb)
	for i := 0; i < n; i++ {
		if err := quantizeActivations(vt, xq[i*xb:(i+1)*xb], xs[i*k:(i+1)*k]); err != nil {
			return fmt.Errorf("cpu: matmul: %w", err)
		}
	}
	d.parallel(m, 4, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			wr := wb[j*rb : (j+1)*rb]
			for i := 0; i < n; i++ {
				out[i*m+j] = dot(k, wr, xq[i*xb:(i+1)*xb])
			}
		}
	})
	return nil
}

// rowDot is the dot product of k elements of one weight row with one row of
// activations converted to the weight type's activation type.
type rowDot func(k int, w, x []byte) float32

// rowDotFor picks the kernel ggml's CPU backend (AVX2/AVX-512 build) uses
// for an n-token product with an m×k weight of type t:
//   - F32, F16: tinyBLAS when n ≥ 2 and k is a multiple of 16 (llamafile's
//     sgemm), ggml_vec_dot otherwise;
//   - Q4_0 with m a multiple of 8: the repacked 8×8 kernels, block by block;
//   - Q4_0, Q5_0, Q8_0 otherwise: 8 lanes (vec_dot and tinyBLAS agree);
//   - other formats: quant.VecDot, ggml's generic order.
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
		return func(k int, w, x []byte) float32 { return dotLanes8(k/32, q8Block, w, x, q8Vals) }, nil
	}
	if _, err := quant.VecDot(t, 0, nil, nil); err != nil {
		return nil, err
	}
	return func(k int, w, x []byte) float32 {
		v, _ := quant.VecDot(t, k, w, x) // sizes were checked by the caller
		return v
	}, nil
}
