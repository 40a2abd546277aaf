//go:build amd64 && gc && !purego

package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// wideX4 is the four-token kernel of a format repacked in 16-row groups
// that takes Q8_K activations, for testWideX4: how to make rows, how many
// record entries a block of activations takes and how to fill them, the
// kernel and its one-token Go reference.
type wideX4 struct {
	pack q4Pack
	recs int
	fill func(a *q4Act, q []byte, nb int)
	run  func(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool
	ref  q4Kernel
}

// testWideX4 checks k.run against k.ref for each token, bit for bit, on
// activation records spaced as the device's scratch spaces them (records
// and scales k.recs entries a block apart), at every level, for each size
// {rows, nb}: it must run wherever AVX-512 VNNI is on, and decline
// records spaced unevenly.
func testWideX4(t *testing.T, r *rand.Rand, k wideX4, sizes [][2]int) {
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range sizes {
				rows, nb := sz[0], sz[1]
				_, packed, _, _ := k.pack(r, rows, nb)
				xb, rl := nb*q8KBlock, k.recs*nb
				xq := make([]byte, multiToken*xb)
				bias, d := make([]int32, multiToken*rl), make([]float32, multiToken*rl)
				acts := make([]q4Act, multiToken)
				for tk := range acts {
					if err := quantizeRow(quant.Q8_K, xq[tk*xb:(tk+1)*xb], randRow(r, nb*256)); err != nil {
						t.Fatal(err)
					}
					acts[tk] = q4Act{bias: bias[tk*rl : (tk+1)*rl], d: d[tk*rl : tk*rl+nb]}
					k.fill(&acts[tk], xq[tk*xb:(tk+1)*xb], nb)
				}
				out := tokenRows(rows)
				ran := k.run(out, packed, nb, acts)
				if on := useVNNI && useAVX512; ran != on {
					t.Fatalf("rows=%d nb=%d: ran = %v with AVX-512 VNNI %v", rows, nb, ran, on)
				}
				if !ran {
					continue
				}
				want := make([]float32, rows)
				for tk := range acts {
					k.ref(want, packed, nb, &acts[tk])
					for i := range want {
						if out[tk][i] != want[i] {
							t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", rows, nb, tk, i, out[tk][i], want[i])
						}
					}
				}
				skewed := append([]q4Act(nil), acts...)
				skewed[3].q = append([]byte(nil), acts[3].q...)
				if k.run(out, packed, nb, skewed) {
					t.Fatalf("rows=%d nb=%d: ran on unevenly spaced activations", rows, nb)
				}
			}
		})
	}
}

// TestDotWideTQ2_0x4, TestDotWideQ4_Kx4 and TestDotWideQ6_Kx4 check the
// four-token repacked kernels (testWideX4).
func TestDotWideTQ2_0x4(t *testing.T) {
	testWideX4(t, rand.New(rand.NewPCG(87, 88)), wideX4{tq2Wide, 1, fillTQ2Wide, dotWideTQ2_0x4, dotWideTQ2_0Generic},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideQ4_Kx4(t *testing.T) {
	testWideX4(t, rand.New(rand.NewPCG(93, 94)), wideX4{q4KWide, 8, fillQ4KWide, dotWideQ4_Kx4, dotWideQ4_KGeneric},
		[][2]int{{16, 1}, {32, 2}, {48, 7}, {80, 9}})
}

func TestDotWideQ6_Kx4(t *testing.T) {
	testWideX4(t, rand.New(rand.NewPCG(99, 100)), wideX4{q6KWide, 16, fillQ6KWide, dotWideQ6_Kx4, dotWideQ6_KGeneric},
		[][2]int{{16, 2}, {32, 4}, {48, 2}, {80, 6}})
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
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.TQ2_0, quant.Q4_K, quant.Q6_K} {
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
