package quant

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// dotFormats are the weight types with a dot product.
func dotFormats() []Type {
	var ts []Type
	for _, f := range formats {
		if _, ok := codecOf(f.t); ok && codecs[f.t].dot != nil {
			ts = append(ts, f.t)
		}
	}
	return ts
}

func TestVecDotType(t *testing.T) {
	want := map[Type]Type{
		F32: F32, F16: F16, BF16: BF16,
		Q4_0: Q8_0, Q4_1: Q8_1, Q5_0: Q8_0, Q5_1: Q8_1, Q8_0: Q8_0, IQ4_NL: Q8_0,
		Q2_K: Q8_K, Q3_K: Q8_K, Q4_K: Q8_K, Q5_K: Q8_K, Q6_K: Q8_K, TQ1_0: Q8_K, TQ2_0: Q8_K,
		// No dot product: the type itself.
		Q8_K: Q8_K, Q8_1: Q8_1, IQ2_XXS: IQ2_XXS, Type(99): Type(99),
	}
	for typ, w := range want {
		if got := VecDotType(typ); got != w {
			t.Errorf("VecDotType(%s) = %s, want %s", typ, got, w)
		}
	}
	if got, want := len(dotFormats()), 16; got != want {
		t.Errorf("%d types have a dot product, want %d", got, want)
	}
}

// VecDot must equal the float64 dot product of the two dequantized operands
// up to float32 rounding: it computes the same sum with integer block sums.
func TestVecDot(t *testing.T) {
	for _, typ := range dotFormats() {
		t.Run(typ.String(), func(t *testing.T) {
			xt := VecDotType(typ)
			bs := max(typ.BlockSize(), xt.BlockSize())
			for _, blocks := range []int{1, 3, 7} {
				n := blocks * bs
				if bs == 1 {
					n = 1001 + blocks
				}
				seed := uint64(typ)*100 + uint64(blocks)
				w := gaussian(seed, n, 0.05)
				x := gaussian(seed+1, n, 2)
				wq, xq := quantize(t, typ, w), quantize(t, xt, x)
				got, err := VecDot(typ, n, wq, xq)
				if err != nil {
					t.Fatal(err)
				}
				wd, xd := dequantize(t, typ, wq, n), dequantize(t, xt, xq, n)
				var want, mag, exact float64
				for i := range n {
					want += float64(wd[i]) * float64(xd[i])
					mag += math.Abs(float64(wd[i]) * float64(xd[i]))
					exact += float64(w[i]) * float64(x[i])
				}
				tol := 2e-6 * mag
				if xt == Q8_1 {
					// ggml multiplies the weights' minimum m by Q8_1's s, the
					// block's sum times the unrounded d, stored as a half: allow
					// both roundings (d and s to half).
					for b := range n / 32 {
						m := f16At(wq[b*typ.BlockBytes()+2:])
						s := f16At(xq[b*36+2:])
						tol += math.Abs(float64(m)*float64(s)) * 0x1p-10
					}
				}
				if d := math.Abs(float64(got) - want); d > tol {
					t.Errorf("n %d: VecDot = %.7g, dequantized dot = %.7g (|diff| %.3g > %.3g)", n, got, want, d, tol)
				}
				// Near the dot of the dequantized weights with the float
				// activations: each activation moves by at most half a step
				// of its block (max|x|/254) plus the rounding of the scale.
				var wx, actBound float64
				for i := range n {
					wx += float64(wd[i]) * float64(x[i])
					actBound += math.Abs(float64(wd[i])) * actError(xt, x, i)
				}
				if d := math.Abs(float64(got) - wx); d > actBound+tol {
					t.Errorf("n %d: VecDot = %.7g, dot with float activations = %.7g (|diff| %.3g > %.3g)", n, got, wx, d, actBound+tol)
				}
				// And near the exact dot of the unquantized inputs: within
				// what the weights' format loses (its round-trip bound).
				bound := 3 * maxRE(typ) * mag
				if d := math.Abs(float64(got) - exact); d > bound+1e-6*mag {
					t.Errorf("n %d: VecDot = %.7g, exact dot = %.7g (|diff| %.3g > %.3g)", n, got, exact, d, bound)
				}
			}
		})
	}
}

// actError bounds how far activation i of x moves when quantized to xt.
func actError(xt Type, x []float32, i int) float64 {
	v := math.Abs(float64(x[i]))
	switch xt {
	case F32:
		return 0
	case F16:
		return v * 0x1p-11
	case BF16:
		return v * 0x1p-8
	}
	bs := xt.BlockSize()
	var amax float64
	for _, u := range x[i/bs*bs : (i/bs+1)*bs] {
		amax = max(amax, math.Abs(float64(u)))
	}
	// Half a step of d = amax/127, d itself rounded to a half (2^-11
	// relative; Q8_K keeps a float32), with |q| <= 127.
	return amax/254 + amax*0x1p-11 + v*1e-6
}

func maxRE(typ Type) float64 {
	for _, f := range formats {
		if f.t == typ {
			return f.maxRE
		}
	}
	return 1
}

// A ternary weight row times Q8_K activations is a plain integer sum: check
// VecDot against it exactly, with the scale a power of two so that nothing rounds.
func TestVecDotTernaryExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 2 * 256
	w := make([]float32, n)
	x := make([]float32, n)
	for i := range w {
		w[i], x[i] = float32(r.IntN(3)-1)*0.5, float32(r.IntN(255)-127)
	}
	// Make the scales exact: 0.5 for the weights (max |w|), 1 for Q8_K
	// (-127 is each block's first value of largest magnitude).
	w[0], w[256], x[0], x[256] = 0.5, -0.5, -127, -127
	for _, typ := range []Type{TQ1_0, TQ2_0} {
		wq, xq := quantize(t, typ, w), quantize(t, Q8_K, x)
		got, err := VecDot(typ, n, wq, xq)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for i := range n {
			sum += float64(w[i]) * float64(x[i])
		}
		if float64(got) != sum {
			t.Errorf("%s: VecDot = %g, want %g", typ, got, sum)
		}
	}
}

func TestVecDotErrors(t *testing.T) {
	w, x := make([]byte, 4096), make([]byte, 4096)
	for _, c := range []struct {
		typ  Type
		n    int
		w, x []byte
		want error
	}{
		{Q8_K, 256, w, x, ErrUnsupported},
		{Q8_1, 32, w, x, ErrUnsupported},
		{IQ2_XXS, 256, w, x, ErrUnsupported},
		{Type(4), 32, w, x, ErrUnsupported},
		{Type(1 << 20), 32, w, x, ErrUnsupported},
		{Q4_0, 33, w, x, ErrSize},
		{Q4_0, -32, w, x, ErrSize},
		{Q4_0, 64, w[:35], x, ErrSize},
		{Q4_0, 64, w, x[:67], ErrSize},
		{Q4_K, 128, w, x, ErrSize},
		{Q4_K, 256, w[:143], x, ErrSize},
		{Q4_K, 256, w, x[:291], ErrSize},
		{F16, 3, w[:5], x, ErrSize},
		{TQ1_0, 256, nil, x, ErrSize},
	} {
		if _, err := VecDot(c.typ, c.n, c.w, c.x); !errors.Is(err, c.want) {
			t.Errorf("VecDot(%s, %d, %d bytes, %d bytes) error %v, want %v", c.typ, c.n, len(c.w), len(c.x), err, c.want)
		}
	}
	if got, err := VecDot(Q4_0, 0, nil, nil); err != nil || got != 0 {
		t.Errorf("VecDot of nothing = %g, %v; want 0, nil", got, err)
	}
}
