package cpu

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// fma32Exact rounds a*b+c once to float32 with math/big.
func fma32Exact(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetPrec(200).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetPrec(200).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := [][3]float32{
		{1, 1, 0}, {0, 5, -0}, {3, 7, -21},
		// a*b lands a hair off a float32 midpoint that float64 would round onto
		{1 + 0x1p-23, 1 + 0x1p-23, 0x1p-24},
		{1 + 0x1p-12, 1 + 0x1p-12, -0x1p-24 - 0x1p-60},
		{0x1p-120, 0x1p-20, 0x1p-149},
	}
	for range 20000 {
		a := float32(r.NormFloat64()) * float32(math.Pow(2, float64(r.IntN(40)-20)))
		b := float32(r.NormFloat64())
		c := float32(r.NormFloat64()) * float32(math.Pow(2, float64(r.IntN(60)-30)))
		cases = append(cases, [3]float32{a, b, c})
		// near-ties: c cancels most of a*b, leaving bits beyond float64's reach
		p := float64(a) * float64(b)
		cases = append(cases, [3]float32{a, b, -float32(p)})
	}
	for _, c := range cases {
		if got, want := fma32(c[0], c[1], c[2]), fma32Exact(c[0], c[1], c[2]); got != want {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", c[0], c[1], c[2], got, want)
		}
	}
}

func TestReduceOrder(t *testing.T) {
	// values whose float32 sum depends on the order reveal the trees
	var x8 [8]float32
	var x16 [16]float32
	for i := range x16 {
		x16[i] = float32(i+1) * 0.1
	}
	copy(x8[:], x16[:])
	want8 := ((x8[0] + x8[4]) + (x8[2] + x8[6])) + ((x8[1] + x8[5]) + (x8[3] + x8[7]))
	if got := hsum8(&x8); got != want8 {
		t.Errorf("hsum8 = %g, want %g", got, want8)
	}
	var tt [8]float32
	for i := range tt {
		tt[i] = x16[i] + x16[i+8]
	}
	want16 := ((tt[0] + tt[4]) + (tt[2] + tt[6])) + ((tt[1] + tt[5]) + (tt[3] + tt[7]))
	if got := reduce16(&x16); got != want16 {
		t.Errorf("reduce16 = %g, want %g", got, want16)
	}
}

func TestExpVec(t *testing.T) {
	for _, tc := range []struct{ x, want float32 }{
		{0, 1}, {-200, 0}, {float32(math.Inf(-1)), 0}, {200, float32(math.Inf(1))},
	} {
		if got := expVec(tc.x); got != tc.want {
			t.Errorf("expVec(%g) = %g, want %g", tc.x, got, tc.want)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		x := float32(r.Float64()*190 - 102)
		got, want := float64(expVec(x)), math.Exp(float64(x))
		ulp := float64(math.Nextafter32(float32(want), float32(math.Inf(1)))) - float64(float32(want))
		if want > 0x1p-126 && math.Abs(got-want) > 3*ulp {
			t.Fatalf("expVec(%g) = %g, want %g within 3 ulp", x, got, want)
		}
	}
}

// dot64 is the exact-ish reference dot product.
func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func randRow(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func TestFloatDots(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 16, 63, 64, 65, 130, 172, 256, 1000} {
		a, b := randRow(r, n), randRow(r, n)
		want := dot64(a, b)
		tol := 1e-5 * math.Sqrt(float64(n)) * (1 + math.Abs(want))
		if got := vecDotF32(a, b); math.Abs(float64(got)-want) > tol {
			t.Errorf("vecDotF32 n=%d: %g, want %g", n, got, want)
		}
		if got := vecDotF16(a, b); math.Abs(float64(got)-want) > tol {
			t.Errorf("vecDotF16 n=%d: %g, want %g", n, got, want)
		}
		if n%16 == 0 {
			if got := tileDotF32(a, b); math.Abs(float64(got)-want) > tol {
				t.Errorf("tileDotF32 n=%d: %g, want %g", n, got, want)
			}
		}
	}
}

// TestQuantDots checks the lane-ordered kernels against quant.VecDot, the
// generic order, on random rows of every block count from 1 to 9.
func TestQuantDots(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		t     quant.Type
		bb    int
		vals  func(*[32]int8, []byte)
		lanes bool
	}{
		{quant.Q4_0, q4Block, q4Vals, true},
		{quant.Q4_0, q4Block, q4Vals, false},
		{quant.Q5_0, q5Block, q5Vals, true},
		{quant.Q8_0, q8Block, q8Vals, true},
	} {
		for nb := 1; nb <= 9; nb++ {
			k := 32 * nb
			w := make([]byte, nb*tc.bb)
			x := make([]byte, nb*q8Block)
			if err := quant.Quantize(tc.t, w, randRow(r, k)); err != nil {
				t.Fatal(err)
			}
			if err := quantizeActivations(quant.Q8_0, x, randRow(r, k)); err != nil {
				t.Fatal(err)
			}
			want, err := quant.VecDot(tc.t, k, w, x)
			if err != nil {
				t.Fatal(err)
			}
			got := dotBlocks(nb, tc.bb, w, x, tc.vals)
			if tc.lanes {
				got = dotLanes8(nb, tc.bb, w, x, tc.vals)
			}
			if d := math.Abs(float64(got - want)); d > 1e-5*(1+math.Abs(float64(want))) {
				t.Errorf("%s lanes=%v nb=%d: %g, want %g", tc.t, tc.lanes, nb, got, want)
			}
		}
	}
}
