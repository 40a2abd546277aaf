package cpu

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"

	"github.com/tern-llm/tern/quant"
)

// TestMapCopiesQ8_0 checks that Map copies Q8_0 weights of at least one
// 2 MiB page into memory of its own (on Linux) and leaves smaller ones in
// place; that products with the copy equal the one-row reference on the
// source, for one token (the two-run kernel) and several; and that Free
// releases the copy so that later products fail instead of reading it.
func TestMapCopiesQ8_0(t *testing.T) {
	for _, tc := range []struct {
		m, k   int
		copied bool
	}{{1999, 1056, runtime.GOOS == "linux"}, {257, 1056, false}} {
		r := rand.New(rand.NewPCG(uint64(tc.m), 7))
		d := New(2)
		w, wb := mapRandom(t, d, r, quant.Q8_0, tc.m, tc.k)
		b, err := d.bytes(w)
		if err != nil {
			t.Fatal(err)
		}
		if got := unsafe.SliceData(b) != unsafe.SliceData(wb); got != tc.copied {
			t.Fatalf("%d×%d: copied %v, want %v", tc.m, tc.k, got, tc.copied)
		}
		if !bytes.Equal(b, wb) {
			t.Fatalf("%d×%d: the mapped bytes differ from the source", tc.m, tc.k)
		}
		rb := w.RowBytes()
		dot, _ := rowDotFor(quant.Q8_0, 1, tc.k, tc.m)
		xq := make([]byte, rb) // one row of Q8_0 activations
		for _, n := range []int{1, 5} {
			xs := randRow(r, n*tc.k)
			x, _ := d.Alloc(quant.F32, n, tc.k)
			xf, _ := F32(x)
			copy(xf, xs)
			dst, _ := d.Alloc(quant.F32, n, tc.m)
			if err := d.MatMul(dst, x, w); err != nil {
				t.Fatal(err)
			}
			got, _ := F32(dst)
			for i := range n {
				if err := quantizeActivations(quant.Q8_0, xq, xs[i*tc.k:(i+1)*tc.k]); err != nil {
					t.Fatal(err)
				}
				for j := range tc.m {
					if want := dot(tc.k, wb[j*rb:(j+1)*rb], xq); got[i*tc.m+j] != want {
						t.Fatalf("%d×%d, %d tokens: [%d,%d] = %g, want %g", tc.m, tc.k, n, i, j, got[i*tc.m+j], want)
					}
				}
			}
		}
		x, _ := d.Alloc(quant.F32, 1, tc.k)
		dst, _ := d.Alloc(quant.F32, 1, tc.m)
		d.Free(w)
		d.Free(w) // twice: releases nothing twice
		if err := d.MatMul(dst, x, w); (err != nil) != tc.copied {
			t.Fatalf("%d×%d: product after Free: %v", tc.m, tc.k, err)
		}
	}
}
