package cpu

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// MatMul computes dst = x·wᵀ the way ggml's CPU backend does: each row of
// x is first converted to the activation type paired with w's type
// (quant.VecDotType: Q8_0 for the 32-blocks, Q8_K for K-quants and ternary,
// F16 for F16 weights), then each weight row is dotted with every token's
// converted row, so a prefill reads the weights once. F32 weights are
// dotted directly.
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
	rb := w.RowBytes()
	if w.Type == quant.F32 {
		ws := unsafeF32(wb)
		d.parallel(m, 4, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				for i := 0; i < n; i++ {
					out[i*m+j] = dot(xs[i*k:(i+1)*k], ws[j*k:(j+1)*k])
				}
			}
		})
		return nil
	}
	vt := quant.VecDotType(w.Type)
	xb, err := vt.RowBytes(k)
	if err == nil {
		_, err = quant.VecDot(w.Type, 0, nil, nil) // is there a dot product for w's type?
	}
	if err != nil {
		return fmt.Errorf("cpu: matmul: %w weight type %s: %w", backend.ErrUnsupported, w.Type, err)
	}
	xq := make([]byte, n*xb)
	for i := 0; i < n; i++ {
		if err := quantizeActivations(vt, xq[i*xb:(i+1)*xb], xs[i*k:(i+1)*k]); err != nil {
			return fmt.Errorf("cpu: matmul: %w", err)
		}
	}
	var firstErr error
	d.parallel(m, 4, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			wr := wb[j*rb : (j+1)*rb]
			for i := 0; i < n; i++ {
				v, err := quant.VecDot(w.Type, k, wr, xq[i*xb:(i+1)*xb])
				if err != nil {
					firstErr = err
					return
				}
				out[i*m+j] = v
			}
		}
	})
	if firstErr != nil {
		return fmt.Errorf("cpu: matmul: %w", firstErr)
	}
	return nil
}

// dot is the float32 dot product with four partial sums.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
