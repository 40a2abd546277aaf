package cuda

import (
	"fmt"
	"math"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Ops queue kernels on the device's stream and return without waiting;
// errors from a kernel's execution surface at the next Download or Sync.
// Shapes are checked on the host as the CPU backend checks them.

// rowThreads is the block size of the one-block-per-row kernels;
// normThreads (RN_THREADS of elementwise.cu) that of RMSNorm's, which keep
// a row in registers.
const (
	rowThreads  = 256
	normThreads = 1024
)

// elemThreads and maxElemBlocks shape the grid-stride elementwise kernels.
const (
	elemThreads   = 256
	maxElemBlocks = 1 << 16
)

// Embed gathers and dequantizes rows of table.
func (d *Device) Embed(dst, table *backend.Tensor, ids []int32) error {
	if dst.Rows != len(ids) || dst.Cols != table.Cols {
		return fmt.Errorf("cuda: embed %v from %v with %d ids", dst, table, len(ids))
	}
	var kernel string
	switch table.Type {
	case quant.F32:
		kernel = "embed_f32"
	case quant.F16:
		kernel = "embed_f16"
	case quant.BF16:
		kernel = "embed_bf16"
	case quant.Q8_0:
		kernel = "embed_q8_0"
	case quant.Q4_0:
		kernel = "embed_q4_0"
	case quant.Q4_K:
		kernel = "embed_q4_k"
	case quant.Q6_K:
		kernel = "embed_q6_k"
	default:
		return fmt.Errorf("cuda: embed: %w: table type %s", backend.ErrUnsupported, table.Type)
	}
	for _, id := range ids {
		if id < 0 || int(id) >= table.Rows {
			return fmt.Errorf("cuda: embed: id %d outside [0, %d)", id, table.Rows)
		}
	}
	out, err := d.f32ptr(dst)
	if err != nil {
		return err
	}
	tp, err := d.ptr(table)
	if err != nil {
		return err
	}
	if table.Type == quant.Q4_K || table.Type == quant.Q6_K {
		if err := checkKAlign(table, tp); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	ip, err := d.put(ids)
	if err != nil {
		return err
	}
	d.wrote(dst)
	return d.launch(kernel, dims{uint32(len(ids)), 1, 1}, dims{rowThreads, 1, 1}, 0,
		out, tp, ip, i32(table.Cols), i64(table.RowBytes()))
}

// RMSNorm normalizes each row of x and scales it by w.
func (d *Device) RMSNorm(dst, x, w *backend.Tensor, eps float32) error {
	n := x.Cols
	if dst.Rows != x.Rows || dst.Cols != n || w.Elements() != n {
		return fmt.Errorf("cuda: rmsnorm %v of %v by %v", dst, x, w)
	}
	ps, err := d.f32ptrs(dst, x, w)
	if err != nil {
		return err
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(dst)
	return d.launchNorm("rmsnorm", x.Rows, n, ps[0], ps[0], ps[1], ps[2], i32(n), f32(eps))
}

// Add adds b (same shape, or one row broadcast) to a.
func (d *Device) Add(dst, a, b *backend.Tensor) error {
	if dst.Rows != a.Rows || dst.Cols != a.Cols || b.Cols != a.Cols || (b.Rows != a.Rows && b.Rows != 1) {
		return fmt.Errorf("cuda: add %v = %v + %v", dst, a, b)
	}
	ps, err := d.f32ptrs(dst, a, b)
	if err != nil {
		return err
	}
	bcast := 0
	if b.Rows == 1 && a.Rows != 1 {
		bcast = 1
	}
	total := a.Elements()
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(dst)
	return d.launch("add_f32", dims{min(blocks(total, elemThreads), maxElemBlocks), 1, 1}, dims{elemThreads, 1, 1}, 0,
		ps[0], ps[1], ps[2], i64(total), i32(a.Cols), i32(bcast))
}

// SwiGLU computes silu(gate)·up elementwise.
func (d *Device) SwiGLU(dst, gate, up *backend.Tensor) error {
	if dst.Elements() != gate.Elements() || up.Elements() != gate.Elements() || dst.Rows != gate.Rows {
		return fmt.Errorf("cuda: swiglu %v = silu(%v)·%v", dst, gate, up)
	}
	ps, err := d.f32ptrs(dst, gate, up)
	if err != nil {
		return err
	}
	total := gate.Elements()
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(dst)
	rows, cols := dst.Rows, dst.Cols
	conv, a, b, ok, err := d.writeConv(rows, cols)
	if err != nil || !ok || gate.Cols != cols || up.Cols != cols {
		if err == nil {
			err = d.launch("swiglu_f32", dims{min(blocks(total, elemThreads), maxElemBlocks), 1, 1}, dims{elemThreads, 1, 1}, 0,
				ps[0], ps[1], ps[2], i64(total), i32(cols))
		}
		return err
	}
	if err := d.launch("swiglu_"+conv, dims{uint32(rows), blocks(cols, swChunk), 1}, dims{swChunk, 1, 1}, 0,
		ps[0], ps[1], ps[2], i32(cols), a, b); err != nil {
		return err
	}
	d.converted(conv, ps[0], rows, cols, a, b)
	return nil
}

// swChunk is SW_CHUNK of elementwise.cu: elements of a row per block of the
// SwiGLU kernels that convert their output, one a thread.
const swChunk = 256

// RoPE rotates the first r.Dims elements of every head of every row by the
// row's position, with the angles of llama.cpp's rope_yarn.
func (d *Device) RoPE(x *backend.Tensor, heads int, r *backend.RoPE, b *backend.Batch) error {
	if heads <= 0 || x.Cols%heads != 0 {
		return fmt.Errorf("cuda: rope: %v is not %d heads", x, heads)
	}
	hd := x.Cols / heads
	if len(b.Pos) != x.Rows {
		return fmt.Errorf("cuda: rope: %d positions for %d rows", len(b.Pos), x.Rows)
	}
	rp, err := d.ropeParams(r, hd)
	if err != nil {
		return err
	}
	xp, err := d.f32ptr(x)
	if err != nil {
		return err
	}
	if x.Rows == 0 {
		return nil
	}
	bp, unlock, err := d.enterBatch(b)
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(x)
	return d.launch("rope_f32", dims{uint32(x.Rows), uint32(heads), 1}, dims{ropeThreads(r.Dims), 1, 1}, 0,
		append([]uint64{xp, bp.pos, i32(x.Cols)}, rp[:]...)...)
}

// ropeThreads is the block size of the RoPE kernels: a thread per rotated pair.
func ropeThreads(dims int) uint32 { return blocks(dims/2, 32) * 32 }

// ropeParams checks r for heads of hd elements and returns the RoPE
// kernels' angle parameters: hd, dims, neox, thetaScale, freqScale,
// mscale, extFactor, lowDim, highDim, extMscale, factors.
func (d *Device) ropeParams(r *backend.RoPE, hd int) ([11]uint64, error) {
	var ps [11]uint64
	if r.Dims <= 0 || r.Dims%2 != 0 || r.Dims > hd {
		return ps, fmt.Errorf("cuda: rope: %d rotated dims for head size %d", r.Dims, hd)
	}
	var fp uint64
	if r.Factors != nil {
		if r.Factors.Elements() < r.Dims/2 {
			return ps, fmt.Errorf("cuda: rope: %d frequency factors for %d dims", r.Factors.Elements(), r.Dims)
		}
		var err error
		if fp, err = d.f32ptr(r.Factors); err != nil {
			return ps, err
		}
	}
	freqScale, mscale := r.FreqScale, r.AttnFactor
	if freqScale == 0 {
		freqScale = 1
	}
	if mscale == 0 {
		mscale = 1
	}
	var lowDim, highDim float32
	extMscale := mscale
	if r.ExtFactor != 0 {
		lowDim, highDim = yarnCorrDims(r.Dims, r.OrigCtx, r.Base, r.BetaFast, r.BetaSlow)
		extMscale *= 1 + 0.1*float32(math.Log(float64(1/freqScale)))
	}
	thetaScale := float32(math.Pow(float64(r.Base), -2/float64(r.Dims)))
	ps = [11]uint64{i32(hd), i32(r.Dims), i32(boolInt(r.NeoX)),
		f32(thetaScale), f32(freqScale), f32(mscale), f32(r.ExtFactor), f32(lowDim), f32(highDim), f32(extMscale), fp}
	return ps, nil
}

// yarnCorrDims is ggml_rope_yarn_corr_dims.
func yarnCorrDims(nDims, origCtx int, base, betaFast, betaSlow float32) (float32, float32) {
	corr := func(nRot float32) float64 {
		return float64(nDims) * math.Log(float64(origCtx)/(float64(nRot)*2*math.Pi)) / (2 * math.Log(float64(base)))
	}
	start := float32(math.Floor(corr(betaFast)))
	end := float32(math.Ceil(corr(betaSlow)))
	return max(0, start), min(float32(nDims-1), end)
}

// StoreKV copies each token's keys and values into its cache row.
func (d *Device) StoreKV(kc, vc, k, v *backend.Tensor, b *backend.Batch) error {
	if kc.Type != vc.Type || (kc.Type != quant.F32 && kc.Type != quant.F16) {
		return fmt.Errorf("cuda: store kv: %w: caches %s and %s (want F32 or F16)", backend.ErrUnsupported, kc.Type, vc.Type)
	}
	if kc.Cols != k.Cols || vc.Cols != v.Cols || k.Cols != v.Cols || k.Rows != v.Rows || len(b.Slots) != k.Rows || kc.Rows != vc.Rows {
		return fmt.Errorf("cuda: store kv: %v and %v into caches %v and %v with %d slots", k, v, kc, vc, len(b.Slots))
	}
	for _, s := range b.Slots {
		if s < 0 || int(s) >= kc.Rows {
			return fmt.Errorf("cuda: store kv: slot %d outside the %d-row cache", s, kc.Rows)
		}
	}
	kp, err := d.ptr(kc)
	if err != nil {
		return err
	}
	vp, err := d.ptr(vc)
	if err != nil {
		return err
	}
	ps, err := d.f32ptrs(k, v, k)
	if err != nil {
		return err
	}
	if k.Rows == 0 {
		return nil
	}
	kernel := "store_kv_" + kernelFormat[kc.Type] // F32 or F16: checked
	bp, unlock, err := d.enterBatch(b)
	if err != nil {
		return err
	}
	defer unlock()
	d.wrote(kc)
	d.wrote(vc)
	return d.launch(kernel, dims{uint32(k.Rows), 2, 1}, dims{rowThreads, 1, 1}, 0,
		kp, vp, ps[0], ps[1], bp.slots, i32(k.Cols))
}

// f32ptrs resolves three F32 tensors.
func (d *Device) f32ptrs(a, b, c *backend.Tensor) ([3]uint64, error) {
	var ps [3]uint64
	for i, t := range [3]*backend.Tensor{a, b, c} {
		p, err := d.f32ptr(t)
		if err != nil {
			return ps, err
		}
		ps[i] = p
	}
	return ps, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
