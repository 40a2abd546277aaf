package cpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestOneKernelKept checks that one-token products with the kernel a weight
// tensor keeps (kernelOf) equal those of a fresh device, which makes each
// kernel anew: across products of other widths and token counts that grow
// the device's scratch between them, through MatMul and MatMulShared.
func TestOneKernelKept(t *testing.T) {
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q4_K, quant.TQ2_0, quant.F32, quant.F16, quant.Q5_0, quant.Q6_K, quant.Q3_K} {
		t.Run(typ.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(41, 42))
			d := New(2)
			type mat struct {
				w    *backend.Tensor
				m, k int
				data []byte
			}
			var mats []mat
			for _, sh := range [][2]int{{48, 64}, {32, 96}, {48, 64}, {16, 512}, {80, 1024}} {
				m, k := sh[0], sh[1]
				if typ.BlockSize() == 256 {
					k *= 8
				}
				w, wb := mapRandom(t, d, r, typ, m, k)
				mats = append(mats, mat{w, m, k, wb})
			}
			// want is the product on a fresh device.
			want := func(mt mat, n int, xs []float32) []float32 {
				f := New(2)
				w, _ := f.Map(typ, mt.m, mt.k, mt.data)
				return matMulRows(t, f, w, xs, n)
			}
			// tokens: 1 except where a longer product grows the scratch;
			// then each level's kernels (the kept ones made on the best)
			steps := []int{1, 1, 1, 5, 1, 1, 9, 1}
			ls := levels()
			for range ls {
				steps = append(steps, 1)
			}
			for step, n := range steps {
				if l := step - 8; l >= 0 {
					defer ls[l].set()()
				}
				for i, mt := range mats {
					x, _ := d.Alloc(quant.F32, n, mt.k)
					xf, _ := F32(x)
					copy(xf, randRow(r, n*mt.k))
					dst, _ := d.Alloc(quant.F32, n, mt.m)
					if err := d.MatMul(dst, x, mt.w); err != nil {
						t.Fatal(err)
					}
					got, _ := F32(dst)
					if exp := want(mt, n, xf); !slices.Equal(got, exp) {
						t.Fatalf("step %d matrix %d (%d×%d), %d tokens: got %v, want %v", step, i, mt.m, mt.k, n, got[:4], exp[:4])
					}
				}
				// the two 48×64 matrices as one shared product
				x, _ := d.Alloc(quant.F32, 1, mats[0].k)
				xf, _ := F32(x)
				copy(xf, randRow(r, mats[0].k))
				a, _ := d.Alloc(quant.F32, 1, 48)
				b, _ := d.Alloc(quant.F32, 1, 48)
				if err := d.MatMulShared([]*backend.Tensor{a, b}, x, []*backend.Tensor{mats[0].w, mats[2].w}); err != nil {
					t.Fatal(err)
				}
				for j, out := range []*backend.Tensor{a, b} {
					got, _ := F32(out)
					if exp := want(mats[2*j], 1, xf); !slices.Equal(got, exp) {
						t.Fatal(fmt.Sprintf("step %d shared product %d differs", step, j))
					}
				}
			}
		})
	}
}

// matMulRows is the product of the n rows xs (n×w.Cols) with w on d.
func matMulRows(t testing.TB, d *Device, w *backend.Tensor, xs []float32, n int) []float32 {
	t.Helper()
	x, _ := d.Alloc(quant.F32, n, w.Cols)
	xf, _ := F32(x)
	copy(xf, xs)
	dst, _ := d.Alloc(quant.F32, n, w.Rows)
	if err := d.MatMul(dst, x, w); err != nil {
		t.Fatal(err)
	}
	out, _ := F32(dst)
	return out
}
