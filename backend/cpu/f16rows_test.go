package cpu

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// f16Mat makes rows random F16 rows of k halves, stride bytes apart
// (past the row's end: garbage that must not be read), and four tokens'
// activations of k floats.
func f16Mat(r *rand.Rand, rows, k, stride int) (w []byte, x []float32) {
	w = make([]byte, rows*stride)
	for i := range w {
		w[i] = byte(r.Uint32())
	}
	for j := range rows {
		for i, v := range randRow(r, k) {
			binary.LittleEndian.PutUint16(w[j*stride+2*i:], quant.F32ToF16(v))
		}
	}
	x = make([]float32, multiToken*k)
	for i := range x {
		x[i] = quant.F16ToF32(quant.F32ToF16(float32(r.NormFloat64())))
	}
	return w, x
}

// TestDotRowsF16 checks the F16 kernels against dotRowsF16Generic (the
// rows widened, then ggml_vec_dot_f16's or tinyBLAS's order) bit for bit at
// every level: one token in ggml_vec_dot_f16's order (rows of 64 and its
// multiples, with leftovers, and shorter), four in tinyBLAS's (rows a
// multiple of four and not).
func TestDotRowsF16(t *testing.T) {
	r := rand.New(rand.NewPCG(129, 130))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{1, 64}, {3, 128}, {5, 200}, {16, 2048}, {2, 100}, {4, 48}, {7, 16}, {33, 256}, {4, 4096}} {
				rows, k := sz[0], sz[1]
				stride := 2*k + 6
				w, x := f16Mat(r, rows, k, stride)
				want, got := make([]float32, rows), make([]float32, rows)
				dotRowsF16Generic(want, w, stride, x[:k], false)
				dotRowsF16(got, w, stride, x[:k], false)
				for j := range want {
					if got[j] != want[j] {
						t.Fatalf("rows=%d k=%d: one token: row %d = %g, want %g", rows, k, j, got[j], want[j])
					}
				}
				if k%tileStep != 0 {
					continue
				}
				outs := tokenRows(rows)
				if !dotRowsF16x4(outs, w, stride, x, k) {
					if floatX4Expected() {
						t.Fatalf("rows=%d k=%d: the four-token kernel declined", rows, k)
					}
					continue
				}
				for tk := range multiToken {
					dotRowsF16Generic(want, w, stride, x[tk*k:(tk+1)*k], true)
					for j := range want {
						if outs[tk][j] != want[j] {
							t.Fatalf("rows=%d k=%d: token %d: row %d = %g, want %g", rows, k, tk, j, outs[tk][j], want[j])
						}
					}
				}
			}
		})
	}
}

// BenchmarkDotRowsF16 measures the one-token kernel and the four-token
// one on 256 rows of 2048 halves in L2 (bytes/s of weights).
func BenchmarkDotRowsF16(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, k = 256, 2048
	w, x := f16Mat(r, rows, k, 2*k)
	out := make([]float32, rows)
	outs := tokenRows(rows)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				dotRowsF16(out, w, 2*k, x[:k], false)
			}
		})
		b.Run(l.name+"/x4", func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				if !dotRowsF16x4(outs, w, 2*k, x, k) {
					b.Skip("no four-token kernel")
				}
			}
		})
	}
}

// TestDotRowsF32x4 checks the four-token float32 kernel against
// tileDotF32 for each token, bit for bit, at every level.
func TestDotRowsF32x4(t *testing.T) {
	r := rand.New(rand.NewPCG(133, 134))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][2]int{{4, 16}, {7, 48}, {16, 2048}, {33, 256}, {2, 64}} {
				rows, k := sz[0], sz[1]
				stride := 4*k + 8
				w := make([]byte, rows*stride)
				for i := range w {
					w[i] = byte(r.Uint32())
				}
				for j := range rows {
					for i, v := range randRow(r, k) {
						binary.LittleEndian.PutUint32(w[j*stride+4*i:], math.Float32bits(v))
					}
				}
				x := randRow(r, multiToken*k)
				outs := tokenRows(rows)
				if !dotRowsF32x4(outs, w, stride, x, k) {
					if floatX4Expected() {
						t.Fatalf("rows=%d k=%d: the four-token kernel declined", rows, k)
					}
					continue
				}
				for tk := range multiToken {
					for j := range rows {
						want := tileDotF32(unsafeF32(w[j*stride:])[:k], x[tk*k:(tk+1)*k])
						if outs[tk][j] != want {
							t.Fatalf("rows=%d k=%d: token %d: row %d = %g, want %g", rows, k, tk, j, outs[tk][j], want)
						}
					}
				}
			}
		})
	}
}
