package quant

import (
	"math"
	"math/rand/v2"
	"testing"
)

// f16Value is the value of half h from the IEEE 754 definition, in float64.
func f16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, m := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0x1f:
		if m != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	case 0:
		return sign * math.Ldexp(m, -24)
	}
	return sign * math.Ldexp(1+m/1024, e-15)
}

func TestF16ToF32(t *testing.T) {
	for h := range 1 << 16 {
		got, want := F16ToF32(uint16(h)), f16Value(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Errorf("F16ToF32(%#04x) = %g, want NaN", h, got)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want) {
			t.Errorf("F16ToF32(%#04x) = %g, want %g", h, got, want)
		}
	}
}

// ggmlFP32ToFP16 is ggml's portable conversion (ggml_compute_fp32_to_fp16,
// from the FP16 library), an independent reference for F32ToF16.
func ggmlFP32ToFP16(f float32) uint16 {
	scaleToInf := math.Float32frombits(0x77800000)
	scaleToZero := math.Float32frombits(0x08800000)
	base := float32(float32(abs32(f)*scaleToInf) * scaleToZero)
	w := math.Float32bits(f)
	shl1W := w + w
	sign := w & 0x80000000
	bias := shl1W & 0xff000000
	if bias < 0x71000000 {
		bias = 0x71000000
	}
	base = math.Float32frombits(bias>>1+0x07800000) + base
	bits := math.Float32bits(base)
	expBits := (bits >> 13) & 0x00007c00
	mantBits := bits & 0x00000fff
	nonsign := expBits + mantBits
	if shl1W > 0xff000000 {
		nonsign = 0x7e00
	}
	return uint16(sign>>16 | nonsign)
}

func TestF32ToF16(t *testing.T) {
	check := func(f float32) {
		if got, want := F32ToF16(f), ggmlFP32ToFP16(f); got != want {
			t.Fatalf("F32ToF16(%g = %#08x) = %#04x, want %#04x", f, math.Float32bits(f), got, want)
		}
	}
	// Every half, and the points halfway to its neighbours (ties to even),
	// and just off them.
	for h := range 1 << 16 {
		f := F16ToF32(uint16(h))
		check(f)
		b := math.Float32bits(f)
		for _, d := range []uint32{1 << 12, 1<<12 - 1, 1<<12 + 1, 1} {
			check(math.Float32frombits(b + d))
			check(math.Float32frombits(b - d))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1 << 20 {
		check(math.Float32frombits(r.Uint32()))
	}
	for _, f := range []float32{0, 65504, 65519.99, 65520, 1e-8, 2.98e-8, 2.99e-8, float32(math.Inf(-1))} {
		check(f)
		check(-f)
	}
}

// bf16Nearest is round-to-nearest-even to bfloat16 by comparing the two
// candidates' distances in float64, an independent reference for finite f.
func bf16Nearest(f float32) uint16 {
	lo := uint16(math.Float32bits(f) >> 16)
	hi := lo + 1
	dLo := math.Abs(float64(f) - float64(BF16ToF32(lo)))
	vHi := float64(BF16ToF32(hi))
	if math.IsNaN(vHi) || math.IsInf(vHi, 0) {
		vHi = math.Copysign(math.Ldexp(1, 128), float64(f)) // the overflow threshold's image
	}
	dHi := math.Abs(float64(f) - vHi)
	if dLo < dHi || (dLo == dHi && lo&1 == 0) {
		return lo
	}
	return hi
}

func TestF32ToBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 1 << 20 {
		b := r.Uint32()
		if i%4 == 0 {
			b = b&^0xffff | 0x8000 // a tie
		}
		f := math.Float32frombits(b)
		got := F32ToBF16(f)
		if math.IsNaN(float64(f)) {
			if g := BF16ToF32(got); !math.IsNaN(float64(g)) || got&64 == 0 || got>>15 != uint16(b>>31) {
				t.Fatalf("F32ToBF16(NaN %#08x) = %#04x, want a quiet NaN of the same sign", b, got)
			}
			continue
		}
		if want := bf16Nearest(f); got != want {
			t.Fatalf("F32ToBF16(%g = %#08x) = %#04x, want %#04x", f, b, got, want)
		}
		if BF16ToF32(got) != math.Float32frombits(uint32(got)<<16) {
			t.Fatal("BF16ToF32 is not the upper half")
		}
	}
}
