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
	one := func() error {
		for i := range ws {
			if err := d.MatMul(dsts[i], x, ws[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if x.Rows != 1 || len(ws) < 2 || len(ws) > maxShared {
		return one()
	}
	typ := ws[0].Type
	var args [3 * 5]uint64 // d, w, m, rs, aligned for each of three products
	for i, w := range ws {
		if w.Type != typ || w.Cols != x.Cols || dsts[i].Rows != 1 || dsts[i].Cols != w.Rows {
			return one()
		}
		op, err := d.f32ptr(dsts[i])
		if err != nil {
			return err
		}
		wp, err := d.ptr(w)
		if err != nil {
			return err
		}
		rs := w.RowBytes()
		aligned := wp%16 == 0 && rs%16 == 0
		switch typ {
		case quant.Q4_K:
			if err := checkKAlign(w, wp); err != nil {
				return err
			}
			if wp%16 != 0 { // mv_q4_k_1 loads 16-byte words
				return one()
			}
		case quant.Q6_K:
			if err := checkKAlign(w, wp); err != nil {
				return err
			}
		}
		args[i], args[3+i], args[6+i], args[9+i], args[12+i] = op, wp, i32(w.Rows), i64(rs), i32(boolInt(aligned))
	}
	xp, err := d.f32ptr(x)
	if err != nil {
		return err
	}
	k := x.Cols
	var conv string
	switch typ {
	case quant.F32:
		if xp%16 != 0 || k%4 != 0 { // mv_f32 reads x in 16-byte words when aligned
			for i := range ws {
				args[12+i] = 0
			}
		}
	case quant.F16:
		conv = "to_f16"
	case quant.BF16:
		conv = "to_bf16"
	case quant.Q8_0, quant.Q4_0:
		conv = "quantize_q8_0"
	case quant.Q4_K, quant.Q6_K:
		conv = "quantize_q8_k"
	default:
		return fmt.Errorf("cuda: matmul: %w: weight type %s", backend.ErrUnsupported, typ)
	}
	rows := 0
	for _, w := range ws {
		rows += int(blocks(w.Rows, oneTokenRows(typ)))
	}
	unlock, err := d.enter()
	if err != nil {
		return err
	}
	defer unlock()
	defer func() {
		for _, t := range dsts {
			d.wrote(t)
		}
	}()
	params := append(args[:], i32(k))
	if conv == "" {
		params = append(params, xp)
	} else {
		a, b, err := d.convert(conv, xp, 1, k)
		if err != nil {
			return err
		}
		if typ == quant.F16 || typ == quant.BF16 {
			params = append(params, a)
		} else {
			params = append(params, a, b)
		}
	}
	return d.launch("mv3_mv_"+kernelFormat[typ]+"_1", dims{uint32(rows), 1, 1}, dims{mvWarps * 32, 1, 1}, 0, params...)
}

// kernelFormat is how kernel names spell a weight type.
var kernelFormat = map[quant.Type]string{
	quant.F32: "f32", quant.F16: "f16", quant.BF16: "bf16", quant.Q8_0: "q8_0",
	quant.Q4_0: "q4_0", quant.Q4_K: "q4_k", quant.Q6_K: "q6_k",
}
