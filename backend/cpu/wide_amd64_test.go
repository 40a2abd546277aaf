//go:build amd64 && gc && !purego

package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// wideActs makes four activation rows of nb blocks of vt (Q8_K or Q8_0)
// and their records (recs entries a block, filled by fill), spaced as the
// device's scratch spaces them, for the four-token kernels of the formats
// repacked in 16-row groups that take records (testQ4x4).
func wideActs(vt quant.Type, recs int, fill func(a *q4Act, q []byte, nb int)) func(testing.TB, *rand.Rand, int) []q4Act {
	return func(t testing.TB, r *rand.Rand, nb int) []q4Act {
		xb, rl := nb*vt.BlockBytes(), recs*nb
		xq := make([]byte, multiToken*xb)
		bias, d := make([]int32, multiToken*rl), make([]float32, multiToken*rl)
		acts := make([]q4Act, multiToken)
		for tk := range acts {
			if err := quantizeRow(vt, xq[tk*xb:(tk+1)*xb], randRow(r, nb*vt.BlockSize())); err != nil {
				t.Fatal(err)
			}
			acts[tk] = q4Act{bias: bias[tk*rl : (tk+1)*rl], d: d[tk*rl : tk*rl+nb]}
			fill(&acts[tk], xq[tk*xb:(tk+1)*xb], nb)
		}
		return acts
	}
}

func vnniOn() bool { return useVNNI && useAVX512 }

// TestDotWideTQ2_0x4, TestDotWideQ4_Kx4, TestDotWideQ5_0x4,
// TestDotWideQ4_1x4, TestDotWideQ5_1x4, TestDotWideIQ4_NLx4,
// TestDotWideTQ1_0x4, TestDotWideQ2_Kx4, TestDotWideQ3_Kx4,
// TestDotWideQ5_Kx4 and TestDotWideQ6_Kx4 check the four-token repacked
// kernels that take records of their activations (testQ4x4).
func TestDotWideTQ2_0x4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(87, 88)), q4x4Kernel{tq2Wide, dotWideTQ2_0x4, dotWideTQ2_0Generic, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_K, 1, fillTQ2Wide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideQ4_Kx4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(93, 94)), q4x4Kernel{q4KWide, dotWideQ4_Kx4, dotWideQ4_KGeneric, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_K, 8, fillQ4KWide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideQ5_0x4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(109, 110)), q4x4Kernel{q50Wide, dotWideQ5_0x4, dotWideQ5_0Generic, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_0, 8, fillQ50Wide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideQ4_1x4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(113, 114)), q4x4Kernel{q41Wide, dotWideQ4_1x4, dotWideQ4_1Generic, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_1, 1, fillQ41Wide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideQ5_1x4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(115, 116)), q4x4Kernel{q51Wide, dotWideQ5_1x4, dotWideQ5_1Generic, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_1, 1, fillQ41Wide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideIQ4_NLx4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(121, 122)), q4x4Kernel{iq4nlWide, dotWideIQ4_NLx4, dotWideIQ4_NLGeneric, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_0, 8, fillIQ4NLWide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideTQ1_0x4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(125, 126)), q4x4Kernel{tq1Wide, dotWideTQ1_0x4, dotWideTQ1_0Generic, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_K, 8, fillTQ1Wide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideQ2_Kx4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(133, 134)), q4x4Kernel{q2KWide, dotWideQ2_Kx4, dotWideQ2_KGeneric, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_K, 8, fillQ2KWide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}, {32, 35}})
}

func TestDotWideQ5_Kx4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(105, 106)), q4x4Kernel{q5KWide, dotWideQ5_Kx4, dotWideQ5_KGeneric, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_K, 8, fillQ4KWide)},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideQ3_Kx4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(135, 136)), q4x4Kernel{q3KWide, dotWideQ3_Kx4, dotWideQ3_KGeneric, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_K, q3KRecs, fillQ3KWide)},
		[][2]int{{16, 2}, {32, 4}, {48, 2}, {80, 6}, {16, 1}, {48, 3}, {32, 9}, {16, 35}})
}

func TestDotWideQ6_Kx4(t *testing.T) {
	testQ4x4(t, rand.New(rand.NewPCG(99, 100)), q4x4Kernel{q6KWide, dotWideQ6_Kx4, dotWideQ6_KGeneric, vnniOn, "AVX-512 VNNI", wideActs(quant.Q8_K, 16, fillQ6KWide)},
		[][2]int{{16, 2}, {32, 4}, {48, 2}, {80, 6}, {16, 1}, {48, 3}, {32, 9}})
}

// TestWideRows4 checks that a product of four tokens with weights of each
// format repacked in 16-row groups hands its four-token kernel the records
// its activations' conversion made (spaced as the kernel takes them): a
// record laid out otherwise would send every token to the one-token
// kernel, with the same results.
func TestWideRows4(t *testing.T) {
	if !useVNNI || !useAVX512 {
		t.Skip("no AVX-512 VNNI")
	}
	r := rand.New(rand.NewPCG(107, 108))
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q5_0, quant.Q4_1, quant.Q5_1, quant.IQ4_NL, quant.TQ1_0, quant.TQ2_0, quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K} {
		const n, m = multiToken, 32
		k := 2 * typ.BlockSize()
		if typ.BlockSize() == 32 {
			k = 256
		}
		w, _, _ := formatRows(t, r, typ, m, k/typ.BlockSize(), 0)
		if !repacks(typ, m, k) {
			t.Fatalf("%s: %d×%d not repacked", typ, m, k)
		}
		d := New(1)
		vt, xb, xq, err := d.activations(typ, n, k)
		if err != nil {
			t.Fatal(err)
		}
		kern, err := d.kernelFor(typ, n, k, m, w, nil, false, xq, xb)
		if err != nil {
			t.Fatal(err)
		}
		xs := randRow(r, n*k)
		for i := range n {
			if err := convertRow(vt, xq[i*xb:(i+1)*xb], xs[i*k:(i+1)*k], i, kern.prep, kern.quantize); err != nil {
				t.Fatal(err)
			}
		}
		out := tokenRows(m)
		if kern.rows4 == nil || !kern.rows4(out, 0, 0) {
			t.Errorf("%s: the four-token kernel did not run", typ)
		}
	}
}

// BenchmarkDotWideQ2_Kx4, BenchmarkDotWideQ3_Kx4, BenchmarkDotWideQ4_Kx4
// and BenchmarkDotWideQ5_Kx4 measure the four-token kernels (benchWideX4):
// Q2_K's and Q4_K's on 256 rows of 4096, Q3_K's and Q5_K's on 256 rows of
// 2048 with their two-run kernels beside them.
func BenchmarkDotWideQ2_Kx4(b *testing.B) {
	benchWideX4(b, q2KWide, dotWideQ2_Kx4, wideActs(quant.Q8_K, 8, fillQ2KWide), 16, nil)
}

func BenchmarkDotWideQ3_Kx4(b *testing.B) {
	benchWideX4(b, q3KWide, dotWideQ3_Kx4, wideActs(quant.Q8_K, q3KRecs, fillQ3KWide), 8, dotWideQ3_KTwo)
}

func BenchmarkDotWideQ4_Kx4(b *testing.B) {
	benchWideX4(b, q4KWide, dotWideQ4_Kx4, wideActs(quant.Q8_K, 8, fillQ4KWide), 16, nil)
}

func BenchmarkDotWideQ5_Kx4(b *testing.B) {
	benchWideX4(b, q5KWide, dotWideQ5_Kx4, wideActs(quant.Q8_K, 8, fillQ4KWide), 8, dotWideQ5_KTwo)
}

// benchWideX4 runs the four-token kernel x4 on 256 rows of nb blocks
// packed by pack, activations by acts (x4: bytes/s of weights per token, as
// BenchmarkDotRows*'s x4), and, where two is set, the two-run kernel two
// on them as two runs of 128 (two: bytes/s of weights).
func benchWideX4(b *testing.B, pack q4Pack, x4 func([multiToken][]float32, []byte, int, []q4Act) bool, acts func(testing.TB, *rand.Rand, int) []q4Act, nb int, two func(outA, outB []float32, wA, wB []byte, nb int, a *q4Act)) {
	if !vnniOn() {
		b.Skip("no AVX-512 VNNI")
	}
	r := rand.New(rand.NewPCG(1, 1))
	const rows = 256
	_, packed, _, a := pack(r, rows, nb)
	xs := acts(b, r, nb)
	out := tokenRows(rows)
	b.Run("x4", func(b *testing.B) {
		b.SetBytes(int64(multiToken * len(packed)))
		for b.Loop() {
			x4(out, packed, nb, xs)
		}
	})
	if two == nil {
		return
	}
	b.Run("two", func(b *testing.B) {
		b.SetBytes(int64(len(packed)))
		h := len(packed) / 2
		for b.Loop() {
			two(out[0][:rows/2], out[0][rows/2:], packed[:h], packed[h:], nb, a)
		}
	})
}
