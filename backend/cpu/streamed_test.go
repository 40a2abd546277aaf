package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestMapStreamedKeepsNothing checks that weights mapped for streaming
// multiply exactly as mapped ones (the same repacked kernels, repacked per
// product) while the device keeps no repacked copy of them: a kept copy
// would hold a streamed model's weights in memory outside its budget.
func TestMapStreamedKeepsNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.TQ2_0, quant.Q4_K, quant.Q6_K} {
		for _, sh := range [][3]int{{1, 2, 16}, {5, 3, 40}, {4, 64, 32}, {3, 2, 13}} {
			testMapStreamed(t, r, typ, sh[0], sh[1]*typ.BlockSize(), sh[2])
		}
	}
}

// testMapStreamed is TestMapStreamedKeepsNothing for n tokens and m×k
// weights of typ.
func testMapStreamed(t *testing.T, r *rand.Rand, typ quant.Type, n, k, m int) {
	d := New(2)
	rb, _ := typ.RowBytes(k)
	wb := make([]byte, m*rb)
	for j := range m {
		if err := quant.Quantize(typ, wb[j*rb:(j+1)*rb], randRow(r, k)); err != nil {
			t.Fatal(err)
		}
	}
	resident, err := d.Map(typ, m, k, wb)
	if err != nil {
		t.Fatal(err)
	}
	kept := len(d.repack.entries)
	streamed, err := d.MapStreamed(typ, m, k, wb[:len(wb):len(wb)])
	if err != nil {
		t.Fatal(err)
	}
	x, _ := d.Alloc(quant.F32, n, k)
	if err := d.Upload(x, f32Bytes(randRow(r, n*k))); err != nil {
		t.Fatal(err)
	}
	want, _ := d.Alloc(quant.F32, n, m)
	got, _ := d.Alloc(quant.F32, n, m)
	if err := d.MatMul(want, x, resident); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the transient buffer is reused
		if err := d.MatMul(got, x, streamed); err != nil {
			t.Fatal(err)
		}
		g, _ := F32(got)
		w, _ := F32(want)
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("%s n=%d k=%d m=%d: streamed [%d] = %g, mapped %g", typ, n, k, m, i, g[i], w[i])
			}
		}
	}
	if b := streamed.Buf.(*buffer); b.packed != nil || len(d.repack.entries) != kept {
		t.Errorf("%s n=%d k=%d m=%d: streamed weights kept a repacked copy (%d entries, %d before)", typ, n, k, m, len(d.repack.entries), kept)
	}
	if _, err := d.MapStreamed(typ, m+1, k, wb); err == nil {
		t.Error("MapStreamed took more rows than its bytes hold")
	}
}
