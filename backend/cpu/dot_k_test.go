package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// kQuantCases are the K-quant row kernels with their Go references.
var kQuantCases = []struct {
	typ   quant.Type
	block int
	rows  func(out []float32, w []byte, stride int, x []byte, nb int)
	ref   func(nb int, w, x []byte) float32
}{
	{quant.Q4_K, q4KBlock, dotRowsQ4_K, dotQ4_KLanes},
	{quant.Q6_K, q6KBlock, dotRowsQ6_K, dotQ6_KLanes},
}

// kRows quantizes rows random weight rows of nb blocks (pad bytes between
// rows) and one row of Q8_K activations.
func kRows(t testing.TB, r *rand.Rand, typ quant.Type, block, rows, nb, pad int) (w []byte, stride int, x []byte) {
	stride = nb*block + pad
	w = make([]byte, rows*stride)
	for i := range rows {
		if err := quant.Quantize(typ, w[i*stride:i*stride+nb*block], randRow(r, nb*256)); err != nil {
			t.Fatal(err)
		}
	}
	x = make([]byte, nb*q8KBlock)
	if err := quant.Quantize(quant.Q8_K, x, randRow(r, nb*256)); err != nil {
		t.Fatal(err)
	}
	return w, stride, x
}

// TestDotKQuants checks the lane-ordered Q4_K and Q6_K references against
// quant's generic order (within rounding) and every level against the
// reference (bit for bit), on random rows.
func TestDotKQuants(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, c := range kQuantCases {
		for _, l := range levels() {
			t.Run(c.typ.String()+"/"+l.name, func(t *testing.T) {
				defer l.set()()
				for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 7}, {9, 8, 0}, {5, 3, 1}, {2, 16, 0}} {
					rows, nb, pad := sz[0], sz[1], sz[2]
					w, stride, x := kRows(t, r, c.typ, c.block, rows, nb, pad)
					got := make([]float32, rows)
					c.rows(got, w, stride, x, nb)
					for i := range rows {
						want := c.ref(nb, w[i*stride:], x)
						if math.Float32bits(got[i]) != math.Float32bits(want) {
							t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want)
						}
						generic, err := quant.VecDot(c.typ, nb*256, w[i*stride:i*stride+nb*c.block], x)
						if err != nil {
							t.Fatal(err)
						}
						if d := math.Abs(float64(want - generic)); d > 1e-4*(1+math.Abs(float64(generic))) {
							t.Fatalf("rows=%d nb=%d: row %d = %g, generic order %g", rows, nb, i, want, generic)
						}
					}
				}
			})
		}
	}
}

// TestDotKQuantsx4 checks the four-token K-quant kernels, where this
// machine has them, against the one-token reference for each token, bit
// for bit.
func TestDotKQuantsx4(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	x4 := map[quant.Type]func(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool{
		quant.Q4_K: dotRowsQ4_Kx4,
		quant.Q6_K: dotRowsQ6_Kx4,
	}
	for _, c := range kQuantCases {
		for _, l := range levels() {
			t.Run(c.typ.String()+"/"+l.name, func(t *testing.T) {
				defer l.set()()
				for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 7}, {9, 8, 0}, {5, 3, 1}} {
					rows, nb, pad := sz[0], sz[1], sz[2]
					w, stride, _ := kRows(t, r, c.typ, c.block, rows, nb, pad)
					xb := nb * q8KBlock
					x := make([]byte, multiToken*xb)
					if err := quant.Quantize(quant.Q8_K, x, randRow(r, multiToken*nb*256)); err != nil {
						t.Fatal(err)
					}
					buf := make([]float32, multiToken*(rows+1))
					var out [multiToken][]float32
					for tok := range out {
						out[tok] = buf[tok*(rows+1) : tok*(rows+1)+rows]
					}
					if !x4[c.typ](out, w, stride, x, xb, nb) {
						if l.name == "generic" || l.name == "avx2" {
							continue
						}
						t.Skip("no four-token kernel on this machine")
					}
					for tok := range out {
						for i := range rows {
							want := c.ref(nb, w[i*stride:], x[tok*xb:])
							if math.Float32bits(out[tok][i]) != math.Float32bits(want) {
								t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", rows, nb, tok, i, out[tok][i], want)
							}
						}
					}
				}
			})
		}
	}
}

func BenchmarkDotRowsKQuants(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 5))
	const rows, nb = 256, 8 // 256 rows of 2048
	for _, c := range kQuantCases {
		w, stride, x := kRows(b, r, c.typ, c.block, rows, nb, 0)
		out := make([]float32, rows)
		for _, l := range levels() {
			b.Run(c.typ.String()+"/"+l.name, func(b *testing.B) {
				defer l.set()()
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					c.rows(out, w, stride, x, nb)
				}
			})
		}
	}
}
