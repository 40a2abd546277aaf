package cpu

import (
	"fmt"
	"math"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Embed gathers and dequantizes rows of table.
func (d *Device) Embed(dst, table *backend.Tensor, ids []int32) error {
	out, err := d.f32(dst)
	if err != nil {
		return err
	}
	tb, err := d.bytes(table)
	if err != nil {
		return err
	}
	if dst.Rows != len(ids) || dst.Cols != table.Cols {
		return fmt.Errorf("cpu: embed %v from %v with %d ids", dst, table, len(ids))
	}
	rb := table.RowBytes()
	for i, id := range ids {
		if id < 0 || int(id) >= table.Rows {
			return fmt.Errorf("cpu: embed: id %d outside [0, %d)", id, table.Rows)
		}
		row := out[i*dst.Cols : (i+1)*dst.Cols]
		if err := quant.Dequantize(table.Type, row, tb[int(id)*rb:(int(id)+1)*rb]); err != nil {
			return fmt.Errorf("cpu: embed: %w", err)
		}
	}
	return nil
}

// RMSNorm normalizes each row and scales it by w, rounding as ggml does:
// float32 squares summed in float64, a float32 mean and scale.
func (d *Device) RMSNorm(dst, x, w *backend.Tensor, eps float32) error {
	out, xs, ws, err := d.f32x3(dst, x, w)
	if err != nil {
		return err
	}
	n := x.Cols
	if dst.Rows != x.Rows || dst.Cols != n || w.Elements() != n {
		return fmt.Errorf("cpu: rmsnorm %v of %v by %v", dst, x, w)
	}
	if !d.parallelWorth(x.Rows, normChunk) { // without parallel's closure: a decode step allocates nothing
		rmsNormRows(out, xs, ws[:n], eps, 0, x.Rows)
		return nil
	}
	d.parallel(x.Rows, normChunk, func(lo, hi int) { rmsNormRows(out, xs, ws[:n], eps, lo, hi) })
	return nil
}

// rmsNormRows sets rows [lo, hi) of out (rows of len(w)) to
// RMSNorm(xs's rows)·w.
func rmsNormRows(out, xs, w []float32, eps float32, lo, hi int) {
	n := len(w)
	for r := lo; r < hi; r++ {
		rmsNormRow(out[r*n:(r+1)*n], xs[r*n:(r+1)*n], w, eps)
	}
}

// normChunk is the fewest rows a worker normalizes at once.
const normChunk = 16

// rmsNormRow sets o = RMSNorm(row)·w (o may be row): float32 squares
// summed in float64, a float32 mean and scale, as ggml rounds.
func rmsNormRow(o, row, w []float32, eps float32) {
	var sum float64
	for _, v := range row {
		sum += float64(v * v)
	}
	mean := float32(sum / float64(len(row)))
	scale := 1 / float32(math.Sqrt(float64(mean+eps)))
	scaleMul(o[:len(row)], row, w, scale)
}

// scaleMulGeneric sets dst[i] = (a[i]·s)·b[i], each product rounded.
func scaleMulGeneric(dst, a, b []float32, s float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i, v := range a {
		dst[i] = v * s * b[i]
	}
}

// Add adds b (same shape, or one row broadcast) to a.
func (d *Device) Add(dst, a, b *backend.Tensor) error {
	out, as, bs, err := d.f32x3(dst, a, b)
	if err != nil {
		return err
	}
	if dst.Rows != a.Rows || dst.Cols != a.Cols || b.Cols != a.Cols || (b.Rows != a.Rows && b.Rows != 1) {
		return fmt.Errorf("cpu: add %v = %v + %v", dst, a, b)
	}
	n := a.Cols
	for r := 0; r < a.Rows; r++ {
		br := bs[:n]
		if b.Rows != 1 {
			br = bs[r*n : (r+1)*n]
		}
		addF32(out[r*n:(r+1)*n], as[r*n:(r+1)*n], br)
	}
	return nil
}

// SwiGLU computes silu(gate)·up row by row as ggml_vec_swiglu_f32 does on
// AVX-512: vectors of 16 through ggml_v_silu, the rest of the row through the
// C library's expf.
func (d *Device) SwiGLU(dst, gate, up *backend.Tensor) error {
	out, gs, us, err := d.f32x3(dst, gate, up)
	if err != nil {
		return err
	}
	if dst.Elements() != gate.Elements() || up.Elements() != gate.Elements() || dst.Rows != gate.Rows {
		return fmt.Errorf("cpu: swiglu %v = silu(%v)·%v", dst, gate, up)
	}
	nc := gate.Cols
	if !d.parallelWorth(gate.Rows, 1) { // without parallel's closure
		swigluRows(out, gs, us, nc, 0, gate.Rows)
		return nil
	}
	d.parallel(gate.Rows, 1, func(lo, hi int) { swigluRows(out, gs, us, nc, lo, hi) })
	return nil
}

// swigluRows sets rows [lo, hi) of out (rows of nc) to silu(gs)·us.
func swigluRows(out, gs, us []float32, nc, lo, hi int) {
	vec := nc &^ (vecLanes - 1)
	for r := lo; r < hi; r++ {
		o, g, u := out[r*nc:(r+1)*nc], gs[r*nc:(r+1)*nc], us[r*nc:(r+1)*nc]
		swigluVec(o, g, u)
		for i := vec; i < nc; i++ {
			o[i] = siluScalar(g[i]) * u[i]
		}
	}
}

// f32x3 resolves three F32 tensors.
func (d *Device) f32x3(a, b, c *backend.Tensor) ([]float32, []float32, []float32, error) {
	as, err := d.f32(a)
	if err != nil {
		return nil, nil, nil, err
	}
	bs, err := d.f32(b)
	if err != nil {
		return nil, nil, nil, err
	}
	cs, err := d.f32(c)
	if err != nil {
		return nil, nil, nil, err
	}
	return as, bs, cs, nil
}
