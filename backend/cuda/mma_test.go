package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

// mmaTypes are the weight formats of the tensor-core products.
var mmaTypes = []quant.Type{quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K}

// mmaFamilies are the kernel families mmaCall runs: "tiles" (mm_*),
// "pipe64", "pipe128", "pipew" and "pipewd" (mp64_*, mp_*, mpw_*,
// mpwd_*), "mq" (mmq.cu's few-token Q4_0, Q8_0, Q4_K and Q6_K kernels, mq16_, mq32_
// or mq64_ by n) and "mqsplit1", "mqsplit2", "mqsplit4" (the same with k
// split at most so many times), "auto" (MatMul's own choice), and "mv8",
// the matrix-vector kernels of 8 tokens a pass, to compare at small n.
var mmaFamilies = []string{"auto", "tiles", "pipe64", "pipe128", "pipew", "pipewd", "mq", "mqsplit1", "mqsplit2", "mqsplit4", "mv8"}

// mqSplitFamilies are the split caps of the "mqsplit" families.
var mqSplitFamilies = map[string]int{"mqsplit1": 1, "mqsplit2": 2, "mqsplit4": 4}

// mmaHas reports whether family kernel takes weights w at wp and n tokens.
func mmaHas(dev *Device, kernel string, w *backend.Tensor, wp uint64, n int) bool {
	switch kernel {
	case "auto", "tiles", "mv8":
		return true
	case "mq", "mqsplit1", "mqsplit2", "mqsplit4":
		_, ok := dev.mqFor(w.Type, n, w.Cols, w.RowBytes(), wp)
		return ok
	}
	if mpAlign(w.Type, w.Cols, w.RowBytes(), wp) == 0 {
		return false
	}
	return kernel != "pipewd" || mpTileWideD.has(w.Type)
}

// mmaCall runs kernel family kernel on dst = x·wᵀ.
func mmaCall(dev *Device, kernel string, dst, x, w *backend.Tensor) error {
	switch kernel {
	case "auto":
		return dev.MatMul(dst, x, w)
	case "mv8":
		defer func(n, h int, on bool) { mmaMinTokens, mmaHalfMinTokens, mqOn = n, h, on }(mmaMinTokens, mmaHalfMinTokens, mqOn)
		mmaMinTokens, mmaHalfMinTokens, mqOn = math.MaxInt, math.MaxInt, false
		return dev.MatMul(dst, x, w)
	}
	op, err := dev.f32ptr(dst)
	if err != nil {
		return err
	}
	xp, err := dev.f32ptr(x)
	if err != nil {
		return err
	}
	wp, err := dev.ptr(w)
	if err != nil {
		return err
	}
	switch kernel {
	case "tiles":
		return dev.matMulTiles(dst, x, w, op, xp, wp)
	case "pipe64":
		return dev.matMulPipe(dst, x, w, op, xp, wp, &mpTile64)
	case "pipe128":
		return dev.matMulPipe(dst, x, w, op, xp, wp, &mpTile128)
	case "pipew":
		return dev.matMulPipe(dst, x, w, op, xp, wp, &mpTileWide)
	case "pipewd":
		return dev.matMulPipe(dst, x, w, op, xp, wp, &mpTileWideD)
	case "mq", "mqsplit1", "mqsplit2", "mqsplit4":
		f, ok := dev.mqFor(w.Type, x.Rows, x.Cols, w.RowBytes(), wp)
		if !ok {
			return fmt.Errorf("no mq kernel for %v", w)
		}
		if s, ok := mqSplitFamilies[kernel]; ok {
			defer func(s int) { mqMaxSplits = s }(mqMaxSplits)
			mqMaxSplits = s
		}
		return dev.matMulQ(dst, x, w, op, xp, wp, f)
	}
	return fmt.Errorf("no kernel family %q", kernel)
}

// TestMatMulPipe compares every tensor-core kernel family with the CPU
// backend on random non-zero inputs: token counts that leave partial tiles
// (17, 100, 511), row counts that are not multiples of 128, k tails of the
// float formats (multiples of 8, not of 32), and products of few tiles,
// which split k. The pipelined kernels of 64-token tiles must also give
// exactly mm_*'s results: the same weights dequantized, the same sums.
func TestMatMulPipe(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(5, 5))
	shapes := []struct{ n, k, m int }{
		{16, 256, 128}, {17, 2048, 37}, {100, 512, 300}, {511, 256, 129},
		{33, 4096, 257}, {200, 2048, 640}, {64, 6144, 5},
		{20, 72, 131}, {129, 1000, 65}, {48, 4104, 200}, {300, 8, 3}, // float formats: k tails
		{96, 64, 150}, {50, 896, 33}, {24, 5632, 140}, // Q8_0, Q4_0 rows of 2 and 28 blocks, Q6_K of 22: 4-byte copies
		{16, 2048, 131},                // mmq.cu's 16-token kernels, Q6_K's too (rows of 16-byte multiples from k = 2048)
		{5, 2048, 131}, {12, 4096, 37}, // fewer than mmaMinTokens: mmq.cu's 8-bit activation kernels
	}
	for _, typ := range mmaTypes {
		for _, s := range shapes {
			if typ.BlockSize() > 1 && s.k%typ.BlockSize() != 0 {
				continue
			}
			x := f32Pair(t, host, dev, s.n, s.k, randF32(rng, s.n*s.k, 1))
			w := newPair(t, host, dev, typ, s.m, s.k, encode(t, typ, s.m, s.k, randF32(rng, s.m*s.k, 0.5)))
			out := f32Pair(t, host, dev, s.n, s.m, nil)
			if err := host.MatMul(out.c, x.c, w.c); err != nil {
				t.Fatal(err)
			}
			wp, _ := dev.ptr(w.g)
			pipe := mpAlign(typ, s.k, w.g.RowBytes(), wp) != 0
			got := map[string][]float32{}
			for _, kernel := range mmaFamilies {
				if !mmaHas(dev, kernel, w.g, wp, s.n) {
					continue
				}
				name := fmt.Sprintf("%s/n%d_k%d_m%d/%s", typ, s.n, s.k, s.m, kernel)
				poison(t, dev, out.g)
				if err := mmaCall(dev, kernel, out.g, x.g, w.g); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				compare(t, dev, out, tolFor(typ), name)
				got[kernel] = make([]float32, s.n*s.m)
				if err := dev.Download(f32Bytes(got[kernel]), out.g); err != nil {
					t.Fatal(err)
				}
			}
			// mp64_* and mm_* split k alike and run the same sums of the
			// same halves: their results agree bit for bit.
			if pipe {
				for i, v := range got["pipe64"] {
					if math.Float32bits(v) != math.Float32bits(got["tiles"][i]) {
						t.Errorf("%s/n%d_k%d_m%d: pipe64 and tiles differ at token %d row %d: %g, %g", typ, s.n, s.k, s.m, i/s.m, i%s.m, v, got["tiles"][i])
						break
					}
				}
			}
		}
	}
}

// TestMatMulPipeViews runs prompt-sized products on weight rows from row 3
// of a larger tensor: 16-byte aligned or not, they take the pipelined
// kernels, their 4-byte copies or mm_*, whichever the start allows.
func TestMatMulPipeViews(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(8, 8))
	const n = 40
	for _, typ := range mmaTypes {
		for _, k := range []int{64, 72, 256, 2048} {
			if typ.BlockSize() > 1 && k%typ.BlockSize() != 0 {
				continue
			}
			x := f32Pair(t, host, dev, n, k, randF32(rng, n*k, 1))
			w := newPair(t, host, dev, typ, 150, k, encode(t, typ, 150, k, randF32(rng, 150*k, 0.5)))
			wv := pair{mustSlice(t, w.c, 3, 150), mustSlice(t, w.g, 3, 150)}
			out := f32Pair(t, host, dev, n, 147, nil)
			poison(t, dev, out.g)
			if err := host.MatMul(out.c, x.c, wv.c); err != nil {
				t.Fatal(err)
			}
			if err := dev.MatMul(out.g, x.g, wv.g); err != nil {
				t.Fatal(err)
			}
			wp, _ := dev.ptr(wv.g)
			compare(t, dev, out, tolFor(typ), fmt.Sprintf("%s/k%d/rows 3…149 (copies of %d bytes)", typ, k, mpAlign(typ, k, wv.g.RowBytes(), wp)))
		}
	}
}

// TestMatMulPipeShared checks the activations' conversion shared by
// products of one input (q, k, v) on the tensor cores: reused while the
// input is unchanged, redone after it is written.
func TestMatMulPipeShared(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(7, 7))
	const n, k, m = 40, 512, 160
	for _, typ := range mmaTypes {
		x := f32Pair(t, host, dev, n, k, randF32(rng, n*k, 1))
		y := f32Pair(t, host, dev, n, k, randF32(rng, n*k, 1))
		out := f32Pair(t, host, dev, n, m, nil)
		for i, what := range []string{"first", "same input", "after Add"} {
			if i == 2 {
				if err := host.Add(x.c, x.c, y.c); err != nil {
					t.Fatal(err)
				}
				if err := dev.Add(x.g, x.g, y.g); err != nil {
					t.Fatal(err)
				}
			}
			w := newPair(t, host, dev, typ, m, k, encode(t, typ, m, k, randF32(rng, m*k, 0.5)))
			poison(t, dev, out.g)
			if err := host.MatMul(out.c, x.c, w.c); err != nil {
				t.Fatal(err)
			}
			if err := dev.MatMul(out.g, x.g, w.g); err != nil {
				t.Fatal(err)
			}
			compare(t, dev, out, tolFor(typ), fmt.Sprintf("%s/%s", typ, what))
		}
	}
}

// TestMPAlign needs no GPU: the pipelined kernels copy 16-byte words from
// 16-byte aligned weights and rows, 4-byte pieces from Q8_0, Q4_0 and Q6_K
// rows of an even number of blocks, and need k a multiple of 8.
func TestMPAlign(t *testing.T) {
	for _, tc := range []struct {
		typ  quant.Type
		k    int
		wp   uint64
		want int
	}{
		{quant.F16, 4096, 256, 16}, {quant.F16, 72, 256, 16}, {quant.F16, 68, 256, 0}, {quant.F16, 4096, 8, 0},
		{quant.BF16, 1000, 0, 16}, {quant.F32, 4096, 256, 0},
		{quant.Q8_0, 4096, 256, 16}, {quant.Q8_0, 96, 256, 0}, {quant.Q8_0, 64, 256, 4}, {quant.Q8_0, 896, 4, 4}, {quant.Q8_0, 896, 2, 0},
		{quant.Q4_0, 5632, 256, 16}, {quant.Q4_0, 4096, 2, 0}, {quant.Q4_0, 4096, 4, 4}, {quant.Q4_0, 160, 256, 0},
		{quant.Q4_K, 768, 256, 16}, {quant.Q4_K, 768, 72, 0},
		{quant.Q6_K, 4096, 256, 16}, {quant.Q6_K, 5632, 256, 4}, {quant.Q6_K, 768, 256, 0}, // 22 blocks: 4620-byte rows; 3: 630
	} {
		rs, err := tc.typ.RowBytes(tc.k)
		if err != nil {
			t.Fatal(err)
		}
		if got := mpAlign(tc.typ, tc.k, rs, tc.wp); got != tc.want {
			t.Errorf("mpAlign(%s, k %d, rows of %d bytes, at %#x) = %d, want %d", tc.typ, tc.k, rs, tc.wp, got, tc.want)
		}
	}
}

// TestMPChoose needs no GPU: 64-token tiles for few tokens, else 128, by
// 8 warps except for Q4_K, and for Q8_0 and Q4_0 where the tiles are many.
func TestMPChoose(t *testing.T) {
	for _, tc := range []struct {
		typ  quant.Type
		n, m int
		want string
	}{
		{quant.F16, 512, 2048, "mp_"}, {quant.BF16, 2048, 14336, "mp_"}, {quant.F16, 64, 14336, "mp64_"}, {quant.Q8_0, 16, 4096, "mp64_"},
		{quant.Q8_0, 512, 2048, "mp_"}, {quant.Q8_0, 512, 4096, "mpwd_"}, {quant.Q8_0, 512, 5632, "mpwd_"}, {quant.Q4_0, 512, 14336, "mpw_"},
		{quant.Q4_0, 2048, 2048, "mp_"}, {quant.Q4_K, 512, 2048, "mpwd_"}, {quant.Q6_K, 2048, 14336, "mp_"}, {quant.Q6_K, 65, 256, "mp_"},
	} {
		if got := mpChoose(tc.typ, tc.n, tc.m, 132).prefix; got != tc.want {
			t.Errorf("mpChoose(%s, %d, %d, 132) = %s, want %s", tc.typ, tc.n, tc.m, got, tc.want)
		}
	}
}
