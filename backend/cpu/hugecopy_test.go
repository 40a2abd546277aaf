package cpu

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestMapCopies checks that Map copies weights of at least one 2 MiB page
// into memory of its own (on Linux), but for Q4_0 weights it repacks, and
// leaves smaller ones in place; that products with the copy equal the
// one-row reference on the source, for one token (the two-run kernels) and
// several; and that Free releases the copy so that later products fail
// instead of reading it.
func TestMapCopies(t *testing.T) {
	linux := runtime.GOOS == "linux"
	for _, tc := range []struct {
		typ    quant.Type
		m, k   int
		copied bool
	}{
		{quant.Q8_0, 1999, 1056, linux}, {quant.Q8_0, 257, 1056, false},
		{quant.Q4_K, 1999, 2304, linux}, {quant.TQ2_0, 4001, 2304, linux},
		{quant.Q4_K, 99, 2304, false}, {quant.Q5_0, 1999, 2048, linux},
		{quant.Q6_K, 1201, 2304, linux}, {quant.Q4_0, 2000, 2048, false}, {quant.Q4_0, 2001, 2048, linux},
	} {
		r := rand.New(rand.NewPCG(uint64(tc.m), 7))
		d := New(2)
		w, wb := mapTiled(t, d, r, tc.typ, tc.m, tc.k)
		b, err := d.bytes(w)
		if err != nil {
			t.Fatal(err)
		}
		if got := unsafe.SliceData(b) != unsafe.SliceData(wb); got != tc.copied {
			t.Fatalf("%s %d×%d: copied %v, want %v", tc.typ, tc.m, tc.k, got, tc.copied)
		}
		if !bytes.Equal(b, wb) {
			t.Fatalf("%s %d×%d: the mapped bytes differ from the source", tc.typ, tc.m, tc.k)
		}
		rb := w.RowBytes()
		for _, n := range []int{1, 2} {
			xs := randRow(r, n*tc.k)
			got := matMulRows(t, d, w, xs, n)
			vt := quant.VecDotType(tc.typ)
			xb, _ := vt.RowBytes(tc.k)
			xq := make([]byte, xb) // one row of activations
			dot, err := rowDotFor(tc.typ, n, tc.k, tc.m)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if err := quantizeActivations(vt, xq, xs[i*tc.k:(i+1)*tc.k]); err != nil {
					t.Fatal(err)
				}
				for j := range tc.m {
					if want := dot(tc.k, wb[j*rb:(j+1)*rb], xq); got[i*tc.m+j] != want {
						t.Fatalf("%s %d×%d, %d tokens: [%d,%d] = %g, want %g", tc.typ, tc.m, tc.k, n, i, j, got[i*tc.m+j], want)
					}
				}
			}
		}
		x, _ := d.Alloc(quant.F32, 1, tc.k)
		dst, _ := d.Alloc(quant.F32, 1, tc.m)
		d.Free(w)
		d.Free(w) // twice: releases nothing twice
		if err := d.MatMul(dst, x, w); (err != nil) != tc.copied {
			t.Fatalf("%s %d×%d: product after Free: %v", tc.typ, tc.m, tc.k, err)
		}
	}
}

// mapTiled maps m rows of k quantized from random values on d, rows j and
// j+61 alike (quantizing thousands of K-quant rows takes most of a
// second), returning the tensor and its bytes.
func mapTiled(t *testing.T, d *Device, r *rand.Rand, typ quant.Type, m, k int) (*backend.Tensor, []byte) {
	t.Helper()
	const distinct = 61
	rb, _ := typ.RowBytes(k)
	wb := make([]byte, m*rb)
	for j := range m {
		if j < distinct {
			if err := quant.Quantize(typ, wb[j*rb:(j+1)*rb], randRow(r, k)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		copy(wb[j*rb:(j+1)*rb], wb[(j%distinct)*rb:])
	}
	w, err := d.Map(typ, m, k, wb)
	if err != nil {
		t.Fatal(err)
	}
	return w, wb
}
