package quant

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestSupported(t *testing.T) {
	for _, f := range formats {
		if !Supported(f.t) {
			t.Errorf("Supported(%s) = false", f.t)
		}
	}
	for _, typ := range []Type{IQ2_XXS, IQ2_XS, IQ3_XXS, IQ1_S, IQ3_S, IQ2_S, IQ4_XS, IQ1_M, MXFP4, I8, I16, I32, I64, F64, Type(4), Type(5), Type(36), Type(1 << 31)} {
		if Supported(typ) {
			t.Errorf("Supported(%s) = true", typ)
		}
	}
}

func TestSizeErrors(t *testing.T) {
	buf := make([]byte, 4096)
	vals := make([]float32, 1024)
	for _, c := range []struct {
		typ   Type
		n     int // elements
		bytes int
		want  error
	}{
		{IQ2_XXS, 256, 66, ErrUnsupported},
		{MXFP4, 32, 17, ErrUnsupported},
		{Type(4), 32, 18, ErrUnsupported},
		{Type(77), 32, 18, ErrUnsupported},
		{Q4_0, 31, 18, ErrSize},    // not whole blocks
		{Q4_0, 33, 36, ErrSize},    // not whole blocks
		{Q4_0, 64, 35, ErrSize},    // short buffer
		{Q6_K, 256, 209, ErrSize},  // short buffer
		{Q6_K, 255, 210, ErrSize},  // not whole blocks
		{Q8_K, 512, 583, ErrSize},  // short buffer
		{TQ1_0, 256, 53, ErrSize},  // short buffer
		{F32, 3, 11, ErrSize},      // short buffer
		{BF16, 5, 9, ErrSize},      // short buffer
		{IQ4_NL, 16, 18, ErrSize},  // not whole blocks
		{Q5_1, 1024, 0, ErrSize},   // no buffer
		{Q2_K, 768, 84 * 3, nil},   // exact
		{Q5_0, 64, 1000, nil},      // longer buffer: extra ignored
		{F16, 0, 0, nil},           // nothing
		{Q3_K, 0, 0, nil},          // nothing
		{TQ2_0, 512, 66 * 2, nil},  // exact
		{Q8_1, 1024, 36 * 32, nil}, // exact
	} {
		if err := Dequantize(c.typ, vals[:c.n], buf[:c.bytes]); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("Dequantize(%s, %d values, %d bytes) error %v, want %v", c.typ, c.n, c.bytes, err, c.want)
		}
		if err := Quantize(c.typ, buf[:c.bytes], vals[:c.n]); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("Quantize(%s, %d bytes, %d values) error %v, want %v", c.typ, c.bytes, c.n, err, c.want)
		}
	}
}

// Quantize writes exactly RowBytes bytes, leaving the rest of dst alone.
func TestQuantizeWritesOnlyRow(t *testing.T) {
	for _, f := range formats {
		n := 2 * f.t.BlockSize()
		x := gaussian(9, n, 1)
		rb, _ := f.t.RowBytes(n)
		dst := make([]byte, rb+7)
		for i := range dst {
			dst[i] = 0xa5
		}
		if err := Quantize(f.t, dst, x); err != nil {
			t.Fatal(err)
		}
		for i := rb; i < len(dst); i++ {
			if dst[i] != 0xa5 {
				t.Errorf("%s: Quantize wrote byte %d past its row of %d", f.t, i, rb)
				break
			}
		}
	}
}

// Zeros come back as zeros (each quantizer's all-zero branch).
func TestZeros(t *testing.T) {
	for _, f := range formats {
		n := 3 * f.t.BlockSize()
		y := dequantize(t, f.t, quantize(t, f.t, make([]float32, n)), n)
		for i, v := range y {
			if v != 0 {
				t.Errorf("%s: zeros came back with %g at %d", f.t, v, i)
				break
			}
		}
	}
}

// Hostile values (NaN, infinities, huge, subnormal) and random bytes must
// never panic anywhere: results are garbage in, garbage out, as in ggml.
func TestHostileInputs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	specials := []float32{
		float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, -math.MaxFloat32, 1e-45, -1e-40, 0, 1e30, -7e20,
	}
	for _, f := range formats {
		n := 2 * max(f.t.BlockSize(), 256)
		for trial := range 8 {
			x := gaussian(uint64(trial), n, 1)
			for i := range x {
				if r.IntN(4) <= trial%4 {
					x[i] = specials[r.IntN(len(specials))]
				}
			}
			q := quantize(t, f.t, x)
			dequantize(t, f.t, q, n)
			junk := make([]byte, len(q))
			for i := range junk {
				junk[i] = byte(r.Uint32())
			}
			dequantize(t, f.t, junk, n)
			if codecs[f.t].dot != nil {
				xq := make([]byte, mustRowBytes(t, VecDotType(f.t), n))
				for i := range xq {
					xq[i] = byte(r.Uint32())
				}
				if _, err := VecDot(f.t, n, junk, xq); err != nil {
					t.Errorf("%s: VecDot on random bytes: %v", f.t, err)
				}
			}
		}
	}
}

func mustRowBytes(t *testing.T, typ Type, n int) int {
	t.Helper()
	rb, err := typ.RowBytes(n)
	if err != nil {
		t.Fatal(err)
	}
	return rb
}
