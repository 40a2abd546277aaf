package plan

import (
	"math"
	"slices"

	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/quant"
)

// Decode on a device that replays steps as graphs (a GPU whose
// calibration has calibrate.LayerCost figures): a layer costs its weights'
// bytes at the device's matrix×vector rate, plus, per matrix, the measured
// layer's cost beyond its bytes spread over its matrices (the fixed cost
// of the layer's kernels, and what its small products lose to the large
// one the rate was measured on), plus its attention per attended position.
// The step costs the class's measured step cost (embedding, output norm,
// top-1 selection, the host's work, the download), and the output head its
// bytes and one matrix's share. The figures are those of the calibrated
// layer class nearest the model's width, with graphs when the whole model
// is on the device (a graph records one device's kernels), else op by op.

// stepCosts is a device's decode costs for one model: the calibrated layer
// class nearest the model's width.
type stepCosts struct {
	p      *calibrate.Profile
	layers []calibrate.LayerCost // one class
	graphs bool                  // the step replays as a graph
}

// costsFor returns p's decode costs of the class nearest dim (by the ratio
// of widths); ok is false when p has none.
func costsFor(p *calibrate.Profile, dim int, graphs bool) (stepCosts, bool) {
	if p == nil || len(p.Decode) == 0 || dim <= 0 {
		return stepCosts{}, false
	}
	best, dist := 0, math.Inf(1)
	for _, c := range p.Decode {
		if c.Dim <= 0 {
			continue
		}
		if d := math.Abs(math.Log(float64(c.Dim) / float64(dim))); d < dist {
			best, dist = c.Dim, d
		}
	}
	if best == 0 {
		return stepCosts{}, false
	}
	var ls []calibrate.LayerCost
	for _, c := range p.Decode {
		if c.Dim == best && c.Matrices > 0 {
			ls = append(ls, c)
		}
	}
	return stepCosts{p: p, layers: ls, graphs: graphs}, len(ls) > 0
}

// layer is c's layer cost with or without graphs.
func (s stepCosts) layer(c calibrate.LayerCost) float64 {
	if s.graphs {
		return c.Graph
	}
	return c.Eager
}

// perMatrix is the cost of one matrix of c's layer beyond its bytes at
// the matrix×vector rate of its format.
func (s stepCosts) perMatrix(c calibrate.LayerCost) float64 {
	t, ok := quant.TypeByName(c.Format)
	if !ok {
		return 0
	}
	return max(s.layer(c)-float64(c.Bytes)/s.p.MatVecRate(t), 0) / float64(c.Matrices)
}

// matrix is what a matrix of type t costs a step beyond its bytes: the
// class's layer in t, else the mean over the class's formats.
func (s stepCosts) matrix(t quant.Type) float64 {
	sum := 0.0
	for _, c := range s.layers {
		if c.Format == t.String() {
			return s.perMatrix(c)
		}
		sum += s.perMatrix(c)
	}
	return sum / float64(len(s.layers))
}

// weights is the decode cost of reading ws once.
func (s stepCosts) weights(ws []Weight) float64 {
	sec := 0.0
	for _, w := range ws {
		sec += float64(w.Bytes)/s.p.MatVecRate(w.Type) + float64(w.Matrices)*s.matrix(w.Type)
	}
	return sec
}

// prefill is the cost of ws in a prefill step of calibrate.PrefillTokens
// tokens: each matrix format's elements at the class's layer cost per
// element in that format (the mean over the class's formats for one not
// measured). Vectors (norms) cost nothing beside them.
func (s stepCosts) prefill(ws []Weight) float64 {
	perParam := func(c calibrate.LayerCost) float64 { return c.Prefill / float64(max(c.Params, 1)) }
	sec := 0.0
	for _, w := range ws {
		if w.Matrices == 0 {
			continue
		}
		r, sum := -1.0, 0.0
		for _, c := range s.layers {
			if c.Format == w.Type.String() {
				r = perParam(c)
			}
			sum += perParam(c)
		}
		if r < 0 {
			r = sum / float64(len(s.layers))
		}
		sec += float64(w.Params) * r
	}
	return sec
}

// attn is a layer's attention cost per attended position.
func (s stepCosts) attn() float64 {
	a := 0.0
	for _, c := range s.layers {
		a = max(a, c.Attn)
	}
	return a
}

// step is a decode step's own cost: the median over the class's formats
// (it does not depend on the layers' format).
func (s stepCosts) step() float64 {
	return s.median(func(c calibrate.LayerCost) float64 {
		if s.graphs {
			return c.StepGraph
		}
		return c.StepEager
	})
}

// prefillStep is a prefill step's own cost, the median likewise.
func (s stepCosts) prefillStep() float64 {
	return s.median(func(c calibrate.LayerCost) float64 { return c.PrefillStep })
}

// median is the median of f over the class's formats.
func (s stepCosts) median(f func(calibrate.LayerCost) float64) float64 {
	v := make([]float64, len(s.layers))
	for i, c := range s.layers {
		v[i] = f(c)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// graphed reports whether a layout with its embedding at emb is one
// device's step that replays as a graph: every part on that device,
// resident, and the device's calibration measured graphs.
func (pl *planner) graphed(l layout, emb slot) bool {
	if emb.streamed {
		return false
	}
	for _, s := range l.parts {
		if s.dev != emb.dev || s.streamed {
			return false
		}
	}
	d := &pl.devs[emb.dev]
	return !d.host() && d.Speeds != nil && len(d.Speeds.Decode) > 0
}

// graphSlot is the embedding on the device that holds every part of l,
// when that device replays steps as graphs, has kernels for the table and
// room for it (none more when the output head is tied to it: they share
// it): the whole step is then one device's. ok is false otherwise.
func (pl *planner) graphSlot(l layout, use []Use) (slot, bool) {
	e := slot{dev: l.parts[0].dev}
	if !pl.graphed(l, e) {
		return slot{}, false
	}
	d := &pl.devs[e.dev]
	for _, w := range pl.n.Embed.Weights {
		if !d.supports(w.Type) {
			return slot{}, false
		}
	}
	extra := pl.n.Embed.Bytes()
	if pl.n.Tied {
		extra = 0
	}
	var all uint64
	for i := range use {
		all += use[i].Peak()
	}
	if use[e.dev].Peak()+extra > pl.budget(e.dev) || pl.o.Limits.Total > 0 && all+extra > pl.o.Limits.Total {
		return slot{}, false
	}
	return e, true
}
