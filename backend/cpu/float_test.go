package cpu

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// TestMaxScale checks maxF32 and scaleF32 at every level against their
// generic forms, bit for bit, on random rows of odd lengths, all negative
// and with the largest element at either end, and on rows of zeros of
// either sign.
func TestMaxScale(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	negZero := float32(math.Copysign(0, -1))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 64, 65, 513} {
				rows := [][]float32{randRow(r, n), randRow(r, n), randRow(r, n), make([]float32, n), make([]float32, n)}
				for i := range rows[1] {
					rows[1][i] = -float32(math.Abs(float64(rows[1][i]))) - 1
				}
				rows[2][0], rows[2][n-1] = 9, 9.5
				for i := range rows[4] {
					rows[4][i] = negZero
				}
				if n > 1 {
					rows = append(rows, append([]float32{negZero}, make([]float32, n-1)...))
				}
				for j, x := range rows {
					if got, want := maxF32(x), maxF32Generic(x); math.Float32bits(got) != math.Float32bits(want) {
						t.Errorf("maxF32 n=%d row %d: %g (%#x), want %g (%#x)", n, j, got, math.Float32bits(got), want, math.Float32bits(want))
					}
					s := r.Float32() + 0.5
					got, want := append([]float32(nil), x...), append([]float32(nil), x...)
					scaleF32(got, s)
					scaleF32Generic(want, s)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("scaleF32 n=%d row %d [%d]: %g, want %g", n, j, i, got[i], want[i])
						}
					}
				}
			}
		})
	}
}

// TestF16Rows checks f16Rows at every level against f16s a row at a time
// on rows of 8 to 72 halves (and 12, of no vector's width), 1 to 5 rows,
// strides from a row to a row and a half.
func TestF16Rows(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, hd := range []int{8, 12, 16, 64, 72} {
				for rows := 1; rows <= 5; rows++ {
					stride := 2*hd + 2*r.IntN(hd)
					src := make([]byte, (rows-1)*stride+2*hd)
					for i := 0; i+1 < len(src); i += 2 {
						binary.LittleEndian.PutUint16(src[i:], quant.F32ToF16(float32(r.NormFloat64())))
					}
					got, want := make([]float32, rows*hd+1), make([]float32, rows*hd+1)
					got[rows*hd], want[rows*hd] = 7, 7 // past the rows: left alone
					f16Rows(got, src, rows, hd, stride)
					for i := range rows {
						f16sGeneric(want[i*hd:(i+1)*hd], src[i*stride:])
					}
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("hd %d, %d rows, stride %d: [%d] = %g, want %g", hd, rows, stride, i, got[i], want[i])
						}
					}
				}
			}
		})
	}
}

// TestFloatKernels checks every level of the float kernels against the
// generic code, bit for bit, on random rows of odd lengths.
func TestFloatKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, n := range []int{1, 5, 15, 16, 17, 63, 64, 65, 127, 128, 200, 1000} {
				a, b := randRow(r, n), randRow(r, n)
				if got, want := vecDotF32(a, b), vecDotF32Generic(a, b); got != want {
					t.Errorf("vecDotF32 n=%d: %g, want %g", n, got, want)
				}
				if got, want := vecDotF16(a, b), vecDotF16Generic(a, b); got != want {
					t.Errorf("vecDotF16 n=%d: %g, want %g", n, got, want)
				}
				hb := make([]byte, 2*n)
				for i, v := range a {
					binary.LittleEndian.PutUint16(hb[2*i:], quant.F32ToF16(v))
				}
				h1, h2 := f16s(make([]float32, n), hb), f16sGeneric(make([]float32, n), hb)
				for i := range h1 {
					if math.Float32bits(h1[i]) != math.Float32bits(h2[i]) {
						t.Fatalf("f16s n=%d: [%d] %g, want %g", n, i, h1[i], h2[i])
					}
				}
				if n%16 == 0 {
					if got, want := tileDotF32(a, b), tileDotF32Generic(a, b); got != want {
						t.Errorf("tileDotF32 n=%d: %g, want %g", n, got, want)
					}
				}
				acc, acc2 := randRow(r, n), make([]float32, n)
				copy(acc2, acc)
				w := float32(r.NormFloat64())
				axpy(acc, a, w)
				axpyGeneric(acc2, a, w)
				for i := range acc {
					if acc[i] != acc2[i] {
						t.Fatalf("axpy n=%d: [%d] %g, want %g", n, i, acc[i], acc2[i])
					}
				}
				// scores spanning exp's whole range, with extremes
				s := make([]float32, n)
				for i := range s {
					s[i] = float32(r.Float64()*60 - 50)
				}
				s[0] = -200
				s2 := append([]float32(nil), s...)
				mx := float32(5)
				if got, want := softmaxExp(s, mx), softmaxExpGeneric(s2, mx); got != want {
					t.Errorf("softmaxExp n=%d: sum %g, want %g", n, got, want)
				}
				for i := range s {
					if math.Float32bits(s[i]) != math.Float32bits(s2[i]) {
						t.Fatalf("softmaxExp n=%d: [%d] %g, want %g", n, i, s[i], s2[i])
					}
				}
				s1, s2 := make([]float32, n), make([]float32, n)
				addF32(s1, a, b)
				addF32Generic(s2, a, b)
				for i := range s1 {
					if s1[i] != s2[i] {
						t.Fatalf("addF32 n=%d: [%d] %g, want %g", n, i, s1[i], s2[i])
					}
				}
				sc := float32(r.NormFloat64())
				scaleMul(s1, a, b, sc)
				scaleMulGeneric(s2, a, b, sc)
				for i := range s1 {
					if math.Float32bits(s1[i]) != math.Float32bits(s2[i]) {
						t.Fatalf("scaleMul n=%d: [%d] %g, want %g", n, i, s1[i], s2[i])
					}
				}
				// RoPE rotations, adjacent pairs (even n) and split halves
				if n%2 == 0 {
					cs, ss := randRow(r, n), randRow(r, n)
					for i := 0; i < n; i += 2 {
						cs[i+1], ss[i+1] = cs[i], ss[i]
					}
					v1 := append([]float32(nil), a...)
					v2 := append([]float32(nil), a...)
					rotateAdjacent(v1, cs, ss)
					rotateAdjacentGeneric(v2, cs, ss)
					for i := range v1 {
						if v1[i] != v2[i] {
							t.Fatalf("rotateAdjacent n=%d: [%d] %g, want %g", n, i, v1[i], v2[i])
						}
					}
				}
				p1, q1 := append([]float32(nil), a...), append([]float32(nil), b...)
				p2, q2 := append([]float32(nil), a...), append([]float32(nil), b...)
				cs, ss := randRow(r, n), randRow(r, n)
				rotatePairs(p1, q1, cs, ss)
				rotatePairsGeneric(p2, q2, cs, ss)
				for i := range p1 {
					if p1[i] != p2[i] || q1[i] != q2[i] {
						t.Fatalf("rotatePairs n=%d: [%d] %g,%g want %g,%g", n, i, p1[i], q1[i], p2[i], q2[i])
					}
				}
				// attention over cache rows: scores and the lane-row sums
				for _, tc := range [][2]int{{8, 5}, {16, 5}, {64, 5}, {72, 5}, {80, 5}, {64, 16}, {64, 37}, {128, 33}, {128, 16}, {192, 20}} {
					hd, cnt := tc[0], tc[1]
					const stride = 150
					kv := randRow(r, (cnt-1)*stride+hd)
					q := randRow(r, hd)
					s1, s2 := make([]float32, cnt), make([]float32, cnt)
					kqScores(s1, kv, stride, q, 0.125)
					kqScoresGeneric(s2, kv, stride, q, 0.125)
					for i := range s1 {
						if s1[i] != s2[i] {
							t.Fatalf("kqScores hd=%d: [%d] %g, want %g", hd, i, s1[i], s2[i])
						}
					}
					a1, a2 := randRow(r, 16*hd), make([]float32, 16*hd)
					copy(a2, a1)
					axpyRows(a1, hd, 15, 13, kv, stride, s1)
					axpyRowsGeneric(a2, hd, 15, 13, kv, stride, s1)
					for i := range a1 {
						if a1[i] != a2[i] {
							t.Fatalf("axpyRows hd=%d: [%d] %g, want %g", hd, i, a1[i], a2[i])
						}
					}
				}
				g, u := randRow(r, n), randRow(r, n)
				for i := range g {
					g[i] *= 8
				}
				g[0] = 120
				o1, o2 := make([]float32, n), make([]float32, n)
				swigluVec(o1, g, u)
				swigluVecGeneric(o2[:n&^15], g, u)
				for i := range o1 {
					if o1[i] != o2[i] {
						t.Fatalf("swigluVec n=%d: [%d] %g, want %g", n, i, o1[i], o2[i])
					}
				}
			}
		})
	}
}

func BenchmarkVecDotF32(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randRow(r, 4096), randRow(r, 4096)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(8 * 4096)
			for b.Loop() {
				vecDotF32(x, y)
			}
		})
	}
}

func BenchmarkSwiGLU(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	g, u, o := randRow(r, 8192), randRow(r, 8192), make([]float32, 8192)
	for _, l := range levels() {
		b.Run(l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(3 * 4 * 8192)
			for b.Loop() {
				swigluVec(o, g, u)
			}
		})
	}
}

// BenchmarkFloatOps covers the remaining vector kernels (bytes/s of the
// float32 data each reads).
func BenchmarkFloatOps(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 7))
	const n = 4096
	x, y := randRow(r, n), randRow(r, n)
	s := make([]float32, n)
	for _, l := range levels() {
		b.Run("softmax/"+l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(4 * n)
			for b.Loop() {
				copy(s, x)
				softmaxExp(s, 4)
			}
		})
		b.Run("rope/"+l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(4 * n)
			for b.Loop() {
				rotateAdjacent(s, x, y)
			}
		})
		b.Run("kqscores64/"+l.name, func(b *testing.B) {
			defer l.set()()
			out := make([]float32, n/64)
			b.SetBytes(4 * n)
			for b.Loop() {
				kqScores(out, x, 64, y[:64], 0.125)
			}
		})
		b.Run("tiledot/"+l.name, func(b *testing.B) {
			defer l.set()()
			b.SetBytes(8 * n)
			for b.Loop() {
				tileDotF32(x, y)
			}
		})
		b.Run("f16widen/"+l.name, func(b *testing.B) {
			defer l.set()()
			h := make([]byte, 2*n)
			b.SetBytes(2 * n)
			for b.Loop() {
				f16s(s, h)
			}
		})
	}
}

// TestSoftmaxExpRange compares the vector exponentials with the generic one
// across the whole range, subnormal results and overflow included.
func TestSoftmaxExpRange(t *testing.T) {
	const n = 4096
	s := make([]float32, n)
	for i := range s {
		s[i] = -110 + 205*float32(i)/n
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			s1, s2 := append([]float32(nil), s...), append([]float32(nil), s...)
			softmaxExp(s1, 0)
			softmaxExpGeneric(s2, 0)
			for i := range s1 {
				if math.Float32bits(s1[i]) != math.Float32bits(s2[i]) {
					t.Fatalf("exp(%g) = %g, want %g", s[i], s1[i], s2[i])
				}
			}
		})
	}
}
