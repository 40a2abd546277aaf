package sample

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExpNeg(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	worst := 0.0
	check := func(x float64) {
		got, want := expNeg(x), math.Exp(x)
		if e := math.Abs(got-want) / want; e > worst {
			worst = e
			if e > 1e-15 { // 4.5 ulp: a few roundings here, up to one in math.Exp
				t.Errorf("expNeg(%v) = %v, math.Exp %v: relative error %g", x, got, want, e)
			}
		}
	}
	for i := 0; i <= 200000; i++ {
		check(-45 * float64(i) / 200000) // the samplers' range, densely
	}
	for range 100000 {
		check(-708 * r.Float64())
		check(-1e-3 * r.Float64())
	}
	for _, x := range []float64{0, -0.0, -1e-300, -math.Ln2 / 128, -math.Ln2, -708} {
		check(x)
	}
	t.Logf("worst relative error %g", worst)
	for _, x := range []float64{-708.5, -745, -1e10, math.Inf(-1), math.NaN()} {
		if got := expNeg(x); got != 0 {
			t.Errorf("expNeg(%v) = %v, want 0", x, got)
		}
	}
	if expNeg(0) != 1 {
		t.Errorf("expNeg(0) = %v, want 1", expNeg(0))
	}
}

// TestExpTable checks the generated table against math.Exp2 (within an ulp: math.Exp2 is
// not correctly rounded).
func TestExpTable(t *testing.T) {
	for j, v := range exp2Frac {
		want := math.Exp2(float64(j) / 64)
		if math.Abs(v-want) > math.Nextafter(want, 2)-want {
			t.Errorf("exp2Frac[%d] = %v, want %v", j, v, want)
		}
	}
}
