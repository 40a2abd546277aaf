package cpu

import (
	"fmt"
	"math"
	"slices"

	"github.com/tern-llm/tern/backend"
)

// RoPE rotates the first r.Dims elements of every head of every row, with
// the angles computed as llama.cpp's rope_yarn computes them.
func (d *Device) RoPE(x *backend.Tensor, heads int, r *backend.RoPE, b *backend.Batch) error {
	xs, hd, factors, err := d.ropeOperands(x, heads, r, b)
	if err != nil {
		return err
	}
	if x.Rows == 1 { // a decode step: its layers share one table
		cs, ss := d.rope.table(b.Pos[0], r, factors)
		rotateHeads(xs, heads, hd, r, cs, ss)
		return nil
	}
	d.parallel(x.Rows, 4, func(lo, hi int) {
		var buf [3 * maxRopeDims]float32
		cache, cs, ss := buf[:r.Dims], buf[r.Dims:2*r.Dims], buf[2*r.Dims:3*r.Dims]
		if r.Dims > maxRopeDims {
			cache, cs, ss = make([]float32, r.Dims), make([]float32, r.Dims), make([]float32, r.Dims)
		}
		for i := lo; i < hi; i++ {
			ropeCache(cache, float32(b.Pos[i]), r, factors)
			ropeSplit(cs, ss, cache, r.NeoX)
			rotateHeads(xs[i*x.Cols:(i+1)*x.Cols], heads, hd, r, cs, ss)
		}
	})
	return nil
}

// ropeOperands checks RoPE's operands and returns x's values, its head
// size and r's frequency factors' values (nil where it has none).
func (d *Device) ropeOperands(x *backend.Tensor, heads int, r *backend.RoPE, b *backend.Batch) (xs []float32, hd int, factors []float32, err error) {
	if xs, err = d.f32(x); err != nil {
		return nil, 0, nil, err
	}
	if heads <= 0 || x.Cols%heads != 0 {
		return nil, 0, nil, fmt.Errorf("cpu: rope: %v is not %d heads", x, heads)
	}
	hd = x.Cols / heads
	if r.Dims <= 0 || r.Dims%2 != 0 || r.Dims > hd {
		return nil, 0, nil, fmt.Errorf("cpu: rope: %d rotated dims for head size %d", r.Dims, hd)
	}
	if len(b.Pos) != x.Rows {
		return nil, 0, nil, fmt.Errorf("cpu: rope: %d positions for %d rows", len(b.Pos), x.Rows)
	}
	if r.Factors != nil {
		if factors, err = d.f32(r.Factors); err != nil {
			return nil, 0, nil, err
		}
		if len(factors) < r.Dims/2 {
			return nil, 0, nil, fmt.Errorf("cpu: rope: %d frequency factors for %d dims", len(factors), r.Dims)
		}
	}
	return xs, hd, factors, nil
}

// rotateHeads rotates the first r.Dims elements of each of the heads
// (hd apart) of row by the table cs, ss (ropeSplit's layout).
func rotateHeads(row []float32, heads, hd int, r *backend.RoPE, cs, ss []float32) {
	for h := 0; h < heads; h++ {
		v := row[h*hd : h*hd+r.Dims]
		if r.NeoX {
			n := r.Dims / 2
			rotatePairs(v[:n], v[n:], cs[:n], ss[:n])
		} else {
			rotateAdjacent(v, cs, ss)
		}
	}
}

// ropeMemo is the last one-token rotation table RoPE made (ropeCache, then
// ropeSplit): a decode step's layers rotate their queries and keys at one
// position with one description, so the table, r.Dims cosines and sines in
// float64, is made once a step rather than twice a layer (32 times for a
// 16-layer model). It is the device's: only the calling goroutine uses it.
type ropeMemo struct {
	made    bool
	pos     int32
	r       backend.RoPE
	factors []float32 // the frequency factors' values it was made with
	cache   []float32
	cs, ss  []float32
}

// table returns the rotation table of position pos for r (factors: r's
// frequency factors' values, or nil), made again when any of them differ
// from the last call's.
func (m *ropeMemo) table(pos int32, r *backend.RoPE, factors []float32) (cs, ss []float32) {
	if m.made && m.pos == pos && m.r == *r && slices.Equal(m.factors, factors[:min(len(factors), r.Dims/2)]) {
		return m.cs, m.ss
	}
	if cap(m.cache) < r.Dims {
		m.cache, m.cs, m.ss = make([]float32, r.Dims), make([]float32, r.Dims), make([]float32, r.Dims)
	}
	m.cache, m.cs, m.ss = m.cache[:r.Dims], m.cs[:r.Dims], m.ss[:r.Dims]
	ropeCache(m.cache, float32(pos), r, factors)
	ropeSplit(m.cs, m.ss, m.cache, r.NeoX)
	m.made, m.pos, m.r = true, pos, *r
	m.factors = append(m.factors[:0], factors[:min(len(factors), r.Dims/2)]...)
	return m.cs, m.ss
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

// maxRopeDims is the most rotated dimensions whose tables live on the
// stack; more are allocated.
const maxRopeDims = 512

// ropeSplit lays the cos, sin pairs of cache out for the vector rotations:
// for adjacent pairs (GGML_ROPE_TYPE_NORMAL) each value twice, in the pair's
// two places; for NeoX pairs (i, i+n/2) one value per pair, in cs[:n/2],
// ss[:n/2].
func ropeSplit(cs, ss, cache []float32, neox bool) {
	for i0 := 0; i0 < len(cache); i0 += 2 {
		c, s := cache[i0], cache[i0+1]
		if neox {
			cs[i0/2], ss[i0/2] = c, s
		} else {
			cs[i0], cs[i0+1], ss[i0], ss[i0+1] = c, c, s, s
		}
	}
}

// rotateAdjacentGeneric rotates pairs (x[2i], x[2i+1]) by cs[2i], ss[2i]
// as ggml's rotate_pairs: x0*cos - x1*sin and x0*sin + x1*cos, each
// contracted by the C++ compiler to one fused multiply-add on its first
// product.
func rotateAdjacentGeneric(x, cs, ss []float32) {
	for i0 := 0; i0+1 < len(x); i0 += 2 {
		c, s := cs[i0], ss[i0]
		x0, x1 := x[i0], x[i0+1]
		x[i0] = fma32(x0, c, -float32(x1*s))
		x[i0+1] = fma32(x0, s, float32(x1*c))
	}
}

// rotatePairsGeneric rotates pairs (a[i], b[i]) by cs[i], ss[i], as
// rotateAdjacentGeneric.
func rotatePairsGeneric(a, b, cs, ss []float32) {
	for i := range a {
		c, s := cs[i], ss[i]
		x0, x1 := a[i], b[i]
		a[i] = fma32(x0, c, -float32(x1*s))
		b[i] = fma32(x0, s, float32(x1*c))
	}
}
