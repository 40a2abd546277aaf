package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestMatMulReference runs MatMul (tiles, four-token kernels, repacking,
// worker shares) at every level and compares each output bit for bit with
// the one-row Go reference for the same kernel choice.
func TestMatMulReference(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q5_0, quant.F16, quant.F32, quant.TQ2_0, quant.Q3_K, quant.Q4_K, quant.Q6_K} {
				for _, sh := range [][3]int{{1, 64, 16}, {5, 64, 16}, {9, 96, 40}, {4, 32, 12}, {7, 2048, 24}, {2, 172, 8}, {5, 64, 13}, {6, 96, 7}, {3, 512, 9}, {6, 160, 48}, {4, 2048, 32}, {1, 64, 48}, {1, 256, 160}, {1, 2048, 208}, {5, 768, 32}, {4, 1280, 48}} {
					n, k, m := sh[0], sh[1], sh[2]
					if k%typ.BlockSize() != 0 {
						continue
					}
					checkMatMul(t, r, typ, n, k, m)
				}
			}
		})
	}
}

// mapRandom quantizes m random rows of k to typ and maps them on d,
// returning the tensor and its bytes.
func mapRandom(t *testing.T, d *Device, r *rand.Rand, typ quant.Type, m, k int) (*backend.Tensor, []byte) {
	t.Helper()
	rb, _ := typ.RowBytes(k)
	wb := make([]byte, m*rb)
	for j := range m {
		if err := quant.Quantize(typ, wb[j*rb:(j+1)*rb], randRow(r, k)); err != nil {
			t.Fatal(err)
		}
	}
	w, err := d.Map(typ, m, k, wb)
	if err != nil {
		t.Fatal(err)
	}
	return w, wb
}

func checkMatMul(t *testing.T, r *rand.Rand, typ quant.Type, n, k, m int) {
	t.Helper()
	d := New(2)
	w, wb := mapRandom(t, d, r, typ, m, k)
	rb := w.RowBytes()
	xs := randRow(r, n*k)
	x, _ := d.Alloc(quant.F32, n, k)
	if err := d.Upload(x, f32Bytes(xs)); err != nil {
		t.Fatal(err)
	}
	dst, _ := d.Alloc(quant.F32, n, m)
	if err := d.MatMul(dst, x, w); err != nil {
		t.Fatal(err)
	}
	got, _ := F32(dst)
	vt := quant.VecDotType(typ)
	xb, _ := vt.RowBytes(k)
	xq := make([]byte, xb)
	dot, err := rowDotFor(typ, n, k, m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := quantizeActivations(vt, xq, xs[i*k:(i+1)*k]); err != nil {
			t.Fatal(err)
		}
		for j := range m {
			if want := dot(k, wb[j*rb:(j+1)*rb], xq); got[i*m+j] != want {
				t.Fatalf("%s n=%d k=%d m=%d: [%d,%d] = %g, want %g", typ, n, k, m, i, j, got[i*m+j], want)
			}
		}
	}
}

func f32Bytes(f []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))
}

// BenchmarkMatMul runs one-token (decode) and 64-token (prefill) products
// with Llama-3.2-1B's matrix shapes; bytes/s counts the weights read.
func BenchmarkMatMul(b *testing.B) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.TQ2_0, quant.Q4_K, quant.Q6_K, quant.F16, quant.F32} {
		for _, sh := range [][2]int{{2048, 2048}, {8192, 2048}, {2048, 8192}} {
			m, k := sh[0], sh[1]
			d := New(0)
			rb, _ := typ.RowBytes(k)
			wb := make([]byte, m*rb)
			row := make([]byte, rb)
			for j := range m {
				if j < 64 {
					if err := quant.Quantize(typ, row, randRow(r, k)); err != nil {
						b.Fatal(err)
					}
				}
				copy(wb[j*rb:], row)
			}
			w, _ := d.Map(typ, m, k, wb)
			for _, n := range []int{1, 64} {
				x, _ := d.Alloc(quant.F32, n, k)
				xs, _ := F32(x)
				copy(xs, randRow(r, n*k))
				dst, _ := d.Alloc(quant.F32, n, m)
				b.Run(fmt.Sprintf("%s/%dx%d/n=%d", typ, m, k, n), func(b *testing.B) {
					b.SetBytes(int64(len(wb)))
					for b.Loop() {
						if err := d.MatMul(dst, x, w); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// TestRepackCache checks that repacked Q4_0 weights follow their source:
// rebuilt when different weights appear at the same address, dropped on
// Free.
func TestRepackCache(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	d := New(1)
	const m, k = 16, 64
	rb, _ := quant.Q4_0.RowBytes(k)
	wb := make([]byte, m*rb)
	fill := func() {
		for j := range m {
			if err := quant.Quantize(quant.Q4_0, wb[j*rb:(j+1)*rb], randRow(r, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	x, _ := d.Alloc(quant.F32, 1, k)
	xs, _ := F32(x)
	copy(xs, randRow(r, k))
	dst, _ := d.Alloc(quant.F32, 1, m)
	out, _ := F32(dst)
	xq := make([]byte, 2*k)
	if err := quantizeActivations(quant.Q8_0, xq, xs); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		fill() // new weights at the same address
		w, _ := d.Map(quant.Q4_0, m, k, wb)
		if err := d.MatMul(dst, x, w); err != nil {
			t.Fatal(err)
		}
		for j := range m {
			if want := dotBlocks(k/32, q4Block, wb[j*rb:], xq, q4Vals); out[j] != want {
				t.Fatalf("round %d: row %d = %g, want %g", round, j, out[j], want)
			}
		}
		if round == 1 {
			d.Free(w)
			if len(d.repack.entries) != 0 {
				t.Fatalf("Free left %d repacked entries", len(d.repack.entries))
			}
		}
	}
}
