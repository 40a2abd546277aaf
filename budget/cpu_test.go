package budget_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/budget"
	"github.com/tern-llm/tern/quant"
)

// TestCPUFusedThroughBudget checks that the CPU device's fused ops
// (MatMulShared, AddRMSNorm) work through a budgeted device: the CPU has
// them, the wrapper passes them on with its tensors unwrapped (a wrapped
// tensor reaching the CPU is an error), and the results equal the bare
// CPU's plain ops bit for bit.
func TestCPUFusedThroughBudget(t *testing.T) {
	bare := cpu.New(2)
	if _, ok := backend.Device(bare).(backend.SharedMatMuler); !ok {
		t.Fatal("cpu device is not a SharedMatMuler")
	}
	if _, ok := backend.Device(bare).(backend.AddNormer); !ok {
		t.Fatal("cpu device is not an AddNormer")
	}
	d := budget.Wrap(cpu.New(2), budget.New("cpu", 1<<30))
	r := rand.New(rand.NewPCG(47, 48))
	load := func(dev backend.Device, typ quant.Type, rows, cols int, b []byte) *backend.Tensor {
		x, err := dev.Alloc(typ, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		if err := dev.Upload(x, b); err != nil {
			t.Fatal(err)
		}
		return x
	}
	read := func(dev backend.Device, x *backend.Tensor) []float32 {
		out := make([]float32, x.Elements())
		if err := dev.Download(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*len(out)), x); err != nil {
			t.Fatal(err)
		}
		return out
	}
	same := func(what string, got, want []float32) {
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], want[i])
			}
		}
	}
	const n, k = 3, 256
	rows := []int{48, 16, 24}
	xb := floats(r, n*k)
	var wbs [][]byte
	for _, m := range rows {
		rb, _ := quant.Q4_0.RowBytes(k)
		wb := make([]byte, m*rb)
		for j := range m {
			if err := quant.Quantize(quant.Q4_0, wb[j*rb:(j+1)*rb], randFloats(r, k)); err != nil {
				t.Fatal(err)
			}
		}
		wbs = append(wbs, wb)
	}
	// shared products through the budget against one MatMul each, bare
	x := load(d, quant.F32, n, k, xb)
	bx := load(bare, quant.F32, n, k, xb)
	var ws, dsts []*backend.Tensor
	for i, m := range rows {
		ws = append(ws, load(d, quant.Q4_0, m, k, wbs[i]))
		o, _ := d.Alloc(quant.F32, n, m)
		dsts = append(dsts, o)
	}
	if err := d.(backend.SharedMatMuler).MatMulShared(dsts, x, ws); err != nil {
		t.Fatal(err)
	}
	for i, m := range rows {
		bw := load(bare, quant.Q4_0, m, k, wbs[i])
		bo, _ := bare.Alloc(quant.F32, n, m)
		if err := bare.MatMul(bo, bx, bw); err != nil {
			t.Fatal(err)
		}
		same("product", read(d, dsts[i]), read(bare, bo))
	}
	// residual and norm through the budget against Add then RMSNorm, bare
	yb, wb := floats(r, n*k), floats(r, k)
	y, w := load(d, quant.F32, n, k, yb), load(d, quant.F32, 1, k, wb)
	norm, _ := d.Alloc(quant.F32, n, k)
	if err := d.(backend.AddNormer).AddRMSNorm(x, y, norm, w, 1e-5); err != nil {
		t.Fatal(err)
	}
	by, bw := load(bare, quant.F32, n, k, yb), load(bare, quant.F32, 1, k, wb)
	bn, _ := bare.Alloc(quant.F32, n, k)
	if err := bare.Add(bx, bx, by); err != nil {
		t.Fatal(err)
	}
	if err := bare.RMSNorm(bn, bx, bw, 1e-5); err != nil {
		t.Fatal(err)
	}
	same("residual", read(d, x), read(bare, bx))
	same("norm", read(d, norm), read(bare, bn))
}

func randFloats(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// floats is n random float32s as bytes.
func floats(r *rand.Rand, n int) []byte {
	v := randFloats(r, n)
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*n)
}
