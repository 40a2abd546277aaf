package quant

import (
	"math"
	"math/rand/v2"
	"testing"
)

// formats lists every type with a codec, with the largest relative RMSE
// (RMSE of the round trip over the RMS of the data) allowed on Gaussian data.
// The bounds sit ~1.3x above what the formats reach (measured with
// TestRoundTrip -v), so a broken scale search or bit layout fails them.
var formats = []struct {
	t     Type
	maxRE float64
}{
	{F32, 0},
	{F16, 4e-4},
	{BF16, 3e-3},
	{Q8_0, 0.008},
	{Q8_1, 0.008},
	{Q8_K, 0.01},
	{Q4_0, 0.12},
	{Q4_1, 0.11},
	{Q5_0, 0.06},
	{Q5_1, 0.05},
	{Q2_K, 0.4},
	{Q3_K, 0.21},
	{Q4_K, 0.095},
	{Q5_K, 0.05},
	{Q6_K, 0.025},
	{IQ4_NL, 0.105},
	{TQ1_0, 0.9},
	{TQ2_0, 0.9},
}

// gaussian returns n N(0, sigma) values (never exactly zero) from a fixed seed.
func gaussian(seed uint64, n int, sigma float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x7e44))
	x := make([]float32, n)
	for i := range x {
		for x[i] == 0 {
			x[i] = float32(r.NormFloat64() * sigma)
		}
	}
	return x
}

// relRMSE is the RMSE of got against want over the RMS of want.
func relRMSE(got, want []float32) float64 {
	var se, ss float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		se += d * d
		ss += float64(want[i]) * float64(want[i])
	}
	return math.Sqrt(se / ss)
}

// quantize is Quantize into a fresh buffer, failing the test on error.
func quantize(t testing.TB, typ Type, x []float32) []byte {
	t.Helper()
	n, err := typ.RowBytes(len(x))
	if err != nil {
		t.Fatal(err)
	}
	q := make([]byte, n)
	if err := Quantize(typ, q, x); err != nil {
		t.Fatalf("Quantize(%s, %d): %v", typ, len(x), err)
	}
	return q
}

// dequantize is Dequantize into a fresh slice, failing the test on error.
func dequantize(t testing.TB, typ Type, q []byte, n int) []float32 {
	t.Helper()
	y := make([]float32, n)
	if err := Dequantize(typ, y, q); err != nil {
		t.Fatalf("Dequantize(%s, %d): %v", typ, n, err)
	}
	return y
}

func TestRoundTrip(t *testing.T) {
	for _, f := range formats {
		t.Run(f.t.String(), func(t *testing.T) {
			// Several blocks (an odd count), and an odd element count for the
			// one-element types.
			n := 7 * f.t.BlockSize()
			if f.t.BlockSize() == 1 {
				n = 1001
			}
			for _, sigma := range []float64{0.02, 1, 300} {
				x := gaussian(uint64(n)+uint64(f.t)+uint64(sigma), n, sigma)
				q := quantize(t, f.t, x)
				y := dequantize(t, f.t, q, n)
				re := relRMSE(y, x)
				t.Logf("sigma %g: relative RMSE %.5f", sigma, re)
				if re > f.maxRE {
					t.Errorf("sigma %g: relative RMSE %.5f > %g", sigma, re, f.maxRE)
				}
			}
		})
	}
}

// Ternary data (values -s, 0, +s) is what TQ1_0 and TQ2_0 are for: it must
// come back exactly, up to the half rounding of s.
func TestTernaryExact(t *testing.T) {
	for _, typ := range []Type{TQ1_0, TQ2_0} {
		t.Run(typ.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(typ)))
			const n = 3 * 256
			const s = 0.0371
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.IntN(3)-1) * s
			}
			x[17] = s // the scale is max|x|
			y := dequantize(t, typ, quantize(t, typ, x), n)
			hs := F16ToF32(F32ToF16(s))
			for i := range x {
				if want := float32(math.Round(float64(x[i]/s))) * hs; y[i] != want {
					t.Fatalf("element %d: got %g, want %g", i, y[i], want)
				}
			}
		})
	}
}
