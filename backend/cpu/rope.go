package cpu

import (
	"fmt"
	"math"

	"github.com/tern-llm/tern/backend"
)

// RoPE rotates the first r.Dims elements of every head of every row, with
// the angles computed as llama.cpp's rope_yarn computes them.
func (d *Device) RoPE(x *backend.Tensor, heads int, r *backend.RoPE, b *backend.Batch) error {
	xs, err := d.f32(x)
	if err != nil {
		return err
	}
	if heads <= 0 || x.Cols%heads != 0 {
		return fmt.Errorf("cpu: rope: %v is not %d heads", x, heads)
	}
	hd := x.Cols / heads
	if r.Dims <= 0 || r.Dims%2 != 0 || r.Dims > hd {
		return fmt.Errorf("cpu: rope: %d rotated dims for head size %d", r.Dims, hd)
	}
	if len(b.Pos) != x.Rows {
		return fmt.Errorf("cpu: rope: %d positions for %d rows", len(b.Pos), x.Rows)
	}
	var factors []float32
	if r.Factors != nil {
		if factors, err = d.f32(r.Factors); err != nil {
			return err
		}
		if len(factors) < r.Dims/2 {
			return fmt.Errorf("cpu: rope: %d frequency factors for %d dims", len(factors), r.Dims)
		}
	}
	d.parallel(x.Rows, 4, func(lo, hi int) {
		cache := make([]float32, r.Dims)
		for i := lo; i < hi; i++ {
			ropeCache(cache, float32(b.Pos[i]), r, factors)
			row := xs[i*x.Cols : (i+1)*x.Cols]
			for h := 0; h < heads; h++ {
				rotate(row[h*hd:h*hd+r.Dims], cache, r.NeoX)
			}
		}
	})
	return nil
}

// ropeCache fills cache with cos, sin pairs for one position (ggml's
// rope_cache_init).
func ropeCache(cache []float32, pos float32, r *backend.RoPE, factors []float32) {
	n := len(cache)
	freqScale := r.FreqScale
	if freqScale == 0 {
		freqScale = 1
	}
	mscale := r.AttnFactor
	if mscale == 0 {
		mscale = 1
	}
	var lowDim, highDim float32
	if r.ExtFactor != 0 {
		lowDim, highDim = yarnCorrDims(n, r.OrigCtx, r.Base, r.BetaFast, r.BetaSlow)
	}
	thetaScale := float32(math.Pow(float64(r.Base), -2/float64(n)))
	theta := pos
	for i0 := 0; i0 < n; i0 += 2 {
		ff := float32(1)
		if factors != nil {
			ff = factors[i0/2]
		}
		extrap := theta / ff
		t := freqScale * extrap
		ms := mscale
		if r.ExtFactor != 0 {
			y := (float32(i0)/2 - lowDim) / max(0.001, highDim-lowDim)
			mix := (1 - min(1, max(0, y))) * r.ExtFactor
			t = t*(1-mix) + extrap*mix
			ms *= 1 + 0.1*float32(math.Log(float64(1/freqScale)))
		}
		cache[i0] = float32(math.Cos(float64(t))) * ms
		cache[i0+1] = float32(math.Sin(float64(t))) * ms
		theta *= thetaScale
	}
}

// yarnCorrDims is ggml_rope_yarn_corr_dims.
func yarnCorrDims(nDims, origCtx int, base, betaFast, betaSlow float32) (float32, float32) {
	corr := func(nRot float32) float64 {
		return float64(nDims) * math.Log(float64(origCtx)/(float64(nRot)*2*math.Pi)) / (2 * math.Log(float64(base)))
	}
	start := float32(math.Floor(corr(betaFast)))
	end := float32(math.Ceil(corr(betaSlow)))
	return max(0, start), min(float32(nDims-1), end)
}

// rotate applies the cached rotation to one head's first len(cache) elements.
func rotate(x, cache []float32, neox bool) {
	n := len(cache)
	for i0 := 0; i0 < n; i0 += 2 {
		c, s := cache[i0], cache[i0+1]
		a, b := i0, i0+1
		if neox {
			a, b = i0/2, i0/2+n/2
		}
		x0, x1 := x[a], x[b]
		// ggml's x0*cos - x1*sin, contracted by the C++ compiler to one
		// fused multiply-add on the first product
		x[a] = fma32(x0, c, -float32(x1*s))
		x[b] = fma32(x0, s, float32(x1*c))
	}
}
