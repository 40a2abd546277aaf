package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestRoPEOneToken runs one-token RoPE calls in turn on one device, whose
// rotation table is kept from call to call (ropeMemo), and checks each
// against a table made afresh: the same position and description twice,
// then a new position, another description (NeoX, scaled, YaRN, other
// dims), frequency factors, and the same factors tensor with new values.
func TestRoPEOneToken(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	const heads, hd = 4, 64
	d := New(2)
	factors, _ := d.Alloc(quant.F32, 1, hd/2)
	setFactors := func() {
		if err := d.Upload(factors, f32Bytes(randPositive(r, hd/2))); err != nil {
			t.Fatal(err)
		}
	}
	setFactors()
	plain := backend.RoPE{Dims: hd, Base: 10000}
	neox := backend.RoPE{Dims: hd, Base: 10000, NeoX: true}
	scaled := backend.RoPE{Dims: hd, Base: 500000, FreqScale: 0.25}
	yarn := backend.RoPE{Dims: hd, Base: 10000, FreqScale: 0.25, ExtFactor: 1, AttnFactor: 1.1, BetaFast: 32, BetaSlow: 1, OrigCtx: 4096}
	half := backend.RoPE{Dims: hd / 2, Base: 10000}
	withFactors := backend.RoPE{Dims: hd, Base: 10000, Factors: factors}
	for i, step := range []struct {
		pos        int32
		r          backend.RoPE
		newFactors bool
	}{
		{5, plain, false}, {5, plain, false}, {6, plain, false}, {6, neox, false}, {6, scaled, false},
		{6, yarn, false}, {6, half, false}, {6, withFactors, false}, {6, withFactors, false},
		{6, withFactors, true}, {7, withFactors, false}, {7, plain, false},
	} {
		if step.newFactors {
			setFactors()
		}
		name := fmt.Sprintf("step %d (pos %d, %+v)", i, step.pos, step.r)
		xs := randRow(r, heads*hd)
		x, _ := d.Alloc(quant.F32, 1, heads*hd)
		if err := d.Upload(x, f32Bytes(xs)); err != nil {
			t.Fatal(err)
		}
		b := &backend.Batch{Pos: []int32{step.pos}, Seq: []int32{0}, Slots: []int32{step.pos}}
		rp := step.r
		if err := d.RoPE(x, heads, &rp, b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var fs []float32
		if rp.Factors != nil {
			fs, _ = F32(rp.Factors)
		}
		cache, cs, ss := make([]float32, rp.Dims), make([]float32, rp.Dims), make([]float32, rp.Dims)
		ropeCache(cache, float32(step.pos), &rp, fs)
		ropeSplit(cs, ss, cache, rp.NeoX)
		rotateHeads(xs, heads, hd, &rp, cs, ss)
		got, _ := F32(x)
		for e := range xs {
			if math.Float32bits(got[e]) != math.Float32bits(xs[e]) {
				t.Fatalf("%s: [%d] = %g, want %g", name, e, got[e], xs[e])
			}
		}
	}
}

// randPositive is n values in [0.5, 2): frequency factors.
func randPositive(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 0.5 + 1.5*r.Float32()
	}
	return v
}
