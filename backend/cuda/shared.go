package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// maxShared is the most products mv3_*_1 kernels run in one launch.
const maxShared = 3

// MatMulShared sets dsts[i] = x·ws[i]ᵀ for every i (backend.SharedMatMuler).
// For one token and two or three weights of one type, the products run in
// one launch of the one-token kernels (mv3.cuh) on one conversion of x;
// anything else runs as separate MatMuls.
func (d *Device) MatMulShared(dsts []*backend.Tensor, x *backend.Tensor, ws []*backend.Tensor) error {
	if len(dsts) != len(ws) {
		return fmt.Errorf("cuda: matmul shared: %d outputs for %d weights", len(dsts), len(ws))
	}
	c, ok, err := d.sharedPrep(dsts, x, ws)
	if err != nil {
		return err
	}
	return d.matMulShared(&c, ok, dsts, x, ws)
}

// matMulShared is MatMulShared once sharedPrep has checked its tensors: c
// in one launch when ok, else one MatMul a product.
func (d *Device) matMulShared(c *sharedCall, ok bool, dsts []*backend.Tensor, x *backend.Tensor, ws []*backend.Tensor) error {
	if !ok {
		for i := range ws {
			if err := d.MatMul(dsts[i], x, ws[i]); err != nil {
				return err
			}
		}
		return nil
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	defer wroteAll(d, dsts)
	return d.sharedLaunch(c, "mv3_mv_"+kernelFormat[c.typ]+"_1")
}

// sharedCall is a one-launch MatMulShared (mv3_*_1) checked against its
// tensors.
type sharedCall struct {
	typ    quant.Type
	args   [3*5 + 1]uint64 // d, w, m, rs, aligned for each of three products; k
	k      int             // x's columns
	xp     uint64
	blocks uint32 // every product's row blocks
	conv   string // the conversion of x ("": none, F32 weights)
}

// sharedPrep checks MatMulShared's tensors and says whether the products
// run in one launch: one token, two or three weights of one type and width,
// none summed in the CPU's eight lanes (q4Lanes: MatMul's own kernel).
func (d *Device) sharedPrep(dsts []*backend.Tensor, x *backend.Tensor, ws []*backend.Tensor) (sharedCall, bool, error) {
	var c sharedCall
	if x.Rows != 1 || len(ws) < 2 || len(ws) > maxShared {
		return c, false, nil
	}
	c.typ = ws[0].Type
	for i, w := range ws {
		if w.Type != c.typ || w.Cols != x.Cols || dsts[i].Rows != 1 || dsts[i].Cols != w.Rows || q4Lanes(w) {
			return c, false, nil
		}
		op, err := d.f32ptr(dsts[i])
		if err != nil {
			return c, false, err
		}
		wp, err := d.ptr(w)
		if err != nil {
			return c, false, err
		}
		rs := w.RowBytes()
		aligned := wp%16 == 0 && rs%16 == 0
		switch c.typ {
		case quant.Q4_K:
			if err := checkKAlign(w, wp); err != nil {
				return c, false, err
			}
			if wp%16 != 0 { // mv_q4_k_1 loads 16-byte words
				return c, false, nil
			}
		case quant.Q6_K:
			if err := checkKAlign(w, wp); err != nil {
				return c, false, err
			}
		}
		c.args[i], c.args[3+i], c.args[6+i], c.args[9+i], c.args[12+i] = op, wp, i32(w.Rows), i64(rs), i32(boolInt(aligned))
		c.blocks += blocks(w.Rows, oneTokenRows(c.typ))
	}
	var err error
	if c.xp, err = d.f32ptr(x); err != nil {
		return c, false, err
	}
	k := x.Cols
	c.k, c.args[15] = k, i32(k)
	switch c.typ {
	case quant.F32:
		if c.xp%16 != 0 || k%4 != 0 { // mv_f32 reads x in 16-byte words when aligned
			for i := range ws {
				c.args[12+i] = 0
			}
		}
	case quant.F16:
		c.conv = "to_f16"
	case quant.BF16:
		c.conv = "to_bf16"
	case quant.Q8_0, quant.Q4_0:
		c.conv = "quantize_q8_0"
	case quant.Q4_K, quant.Q6_K:
		c.conv = "quantize_q8_k"
	default:
		return c, false, fmt.Errorf("cuda: matmul: %w: weight type %s", backend.ErrUnsupported, c.typ)
	}
	return c, true, nil
}

// sharedLaunch converts x and launches kernel (an mv3 kernel) on c's
// products, with extra after its own parameters. The caller holds the
// context.
func (d *Device) sharedLaunch(c *sharedCall, kernel string, extra ...uint64) error {
	params := make([]uint64, 0, len(c.args)+2+len(extra))
	params = append(params, c.args[:]...)
	if c.conv == "" {
		params = append(params, c.xp)
	} else {
		a, b, err := d.convert(c.conv, c.xp, 1, c.k)
		if err != nil {
			return err
		}
		if c.typ == quant.F16 || c.typ == quant.BF16 {
			params = append(params, a)
		} else {
			params = append(params, a, b)
		}
	}
	params = append(params, extra...)
	return d.launch(kernel, dims{c.blocks, 1, 1}, dims{mvWarps * 32, 1, 1}, 0, params...)
}

// wroteAll marks every tensor of ts written (Device.wrote).
func wroteAll(d *Device, ts []*backend.Tensor) {
	for _, t := range ts {
		d.wrote(t)
	}
}

// kernelFormat is how kernel names spell a weight type.
var kernelFormat = map[quant.Type]string{
	quant.F32: "f32", quant.F16: "f16", quant.BF16: "bf16", quant.Q8_0: "q8_0",
	quant.Q4_0: "q4_0", quant.Q4_K: "q4_k", quant.Q6_K: "q6_k",
}
