package cuda

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

// TestMatMulShared runs two and three products of one input through
// MatMulShared (one launch for one token) and compares each with the CPU's
// MatMul, for every weight type, with odd row counts; weights of mixed
// types and several tokens take the MatMul path.
func TestMatMulShared(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(14, 14))
	for _, typ := range weightTypes {
		for _, s := range []struct {
			n, k int
			ms   []int
		}{{1, 512, []int{37, 5, 130}}, {1, 2048, []int{64, 19}}, {1, 768, []int{3, 3, 3}}, {3, 256, []int{7, 9, 11}}} {
			if s.k%typ.BlockSize() != 0 {
				continue
			}
			name := fmt.Sprintf("%s/n%d_k%d_m%v", typ, s.n, s.k, s.ms)
			x := f32Pair(t, host, dev, s.n, s.k, randF32(rng, s.n*s.k, 1))
			var dsts, ws []*backend.Tensor
			var outs []pair
			for _, m := range s.ms {
				w := newPair(t, host, dev, typ, m, s.k, encode(t, typ, m, s.k, randF32(rng, m*s.k, 0.5)))
				out := f32Pair(t, host, dev, s.n, m, nil)
				poison(t, dev, out.g)
				if err := host.MatMul(out.c, x.c, w.c); err != nil {
					t.Fatal(err)
				}
				dsts, ws, outs = append(dsts, out.g), append(ws, w.g), append(outs, out)
			}
			if err := dev.MatMulShared(dsts, x.g, ws); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i, out := range outs {
				compare(t, dev, out, tolFor(typ), fmt.Sprintf("%s/%d", name, i))
			}
		}
	}
	// mixed types: one MatMul each
	x := f32Pair(t, host, dev, 1, 256, randF32(rng, 256, 1))
	w1 := newPair(t, host, dev, quant.Q8_0, 9, 256, encode(t, quant.Q8_0, 9, 256, randF32(rng, 9*256, 0.5)))
	w2 := newPair(t, host, dev, quant.F16, 5, 256, encode(t, quant.F16, 5, 256, randF32(rng, 5*256, 0.5)))
	o1, o2 := f32Pair(t, host, dev, 1, 9, nil), f32Pair(t, host, dev, 1, 5, nil)
	for _, o := range []pair{o1, o2} {
		poison(t, dev, o.g)
	}
	if err := host.MatMul(o1.c, x.c, w1.c); err != nil {
		t.Fatal(err)
	}
	if err := host.MatMul(o2.c, x.c, w2.c); err != nil {
		t.Fatal(err)
	}
	if err := dev.MatMulShared([]*backend.Tensor{o1.g, o2.g}, x.g, []*backend.Tensor{w1.g, w2.g}); err != nil {
		t.Fatal(err)
	}
	compare(t, dev, o1, tolFor(quant.Q8_0), "mixed/Q8_0")
	compare(t, dev, o2, tolFor(quant.F16), "mixed/F16")
	if err := dev.MatMulShared([]*backend.Tensor{o1.g}, x.g, []*backend.Tensor{w1.g, w2.g}); err == nil {
		t.Error("one output for two weights accepted")
	}
}

// TestMatVecViews runs one-token products, alone and through MatMulShared,
// on row views that start at row 3 of a weight (starts 16-byte, 4-byte or
// 2-byte aligned, so the one-token kernels take their unaligned paths or
// other kernels), with row counts that leave partial row blocks, against
// the CPU's MatMul.
func TestMatVecViews(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(15, 15))
	for _, typ := range weightTypes {
		for _, s := range []struct{ k, rows int }{{256, 40}, {2048, 14}, {4096, 30}} {
			name := fmt.Sprintf("%s/k%d/rows 3…%d", typ, s.k, s.rows-1)
			x := f32Pair(t, host, dev, 1, s.k, randF32(rng, s.k, 1))
			var dsts, ws []*backend.Tensor
			var outs []pair
			for range 2 {
				w := newPair(t, host, dev, typ, s.rows, s.k, encode(t, typ, s.rows, s.k, randF32(rng, s.rows*s.k, 0.5)))
				wv := pair{mustSlice(t, w.c, 3, s.rows), mustSlice(t, w.g, 3, s.rows)}
				out := f32Pair(t, host, dev, 1, s.rows-3, nil)
				if err := host.MatMul(out.c, x.c, wv.c); err != nil {
					t.Fatal(err)
				}
				poison(t, dev, out.g)
				if err := dev.MatMul(out.g, x.g, wv.g); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				compare(t, dev, out, tolFor(typ), name)
				poison(t, dev, out.g)
				dsts, ws, outs = append(dsts, out.g), append(ws, wv.g), append(outs, out)
			}
			if err := dev.MatMulShared(dsts, x.g, ws); err != nil {
				t.Fatalf("%s: shared: %v", name, err)
			}
			for i, out := range outs {
				compare(t, dev, out, tolFor(typ), fmt.Sprintf("%s/shared %d", name, i))
			}
		}
	}
}
