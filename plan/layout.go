package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tern-llm/tern/quant"
)

// planner holds what does not change between candidates.
type planner struct {
	n      *Needs
	devs   []Device
	o      Options
	usable []int // indexes of devices with speeds and at least one runnable part
	host   int   // index of the CPU, -1 when there is none
	// eff[d][p] is part p (layers…, output) as device d would hold it:
	// its weights after conversion, or ok=false when it cannot run there.
	eff   [][]effPart
	notes []string
}

type effPart struct {
	ok      bool
	weights []Weight
	conv    []Conversion
}

// slot is where one part goes in a layout.
type slot struct {
	dev      int
	streamed bool
}

// layout is a candidate before evaluation: a device for each part.
type layout struct {
	name  string
	parts []slot // layers…, output
}

func newPlanner(n *Needs, devs []Device, o Options) *planner {
	pl := &planner{n: n, devs: devs, o: o, host: -1}
	parts := pl.parts()
	for di := range devs {
		d := &devs[di]
		if d.host() && pl.host < 0 {
			pl.host = di
		}
		row := make([]effPart, len(parts))
		runnable := 0
		var missing []string
		for pi, p := range parts {
			row[pi] = pl.effective(d, p)
			if row[pi].ok {
				runnable++
			} else {
				for _, w := range p.Weights {
					if !d.supports(w.Type) && !strings.Contains(strings.Join(missing, ","), w.Type.String()) {
						missing = append(missing, w.Type.String())
					}
				}
			}
		}
		pl.eff = append(pl.eff, row)
		switch {
		case d.Speeds == nil:
			pl.notes = append(pl.notes, fmt.Sprintf("%s left out: not calibrated", d.Name))
		case runnable == 0:
			pl.notes = append(pl.notes, fmt.Sprintf("%s left out: no kernel for %s and no conversion to one it has", d.Name, strings.Join(missing, ", ")))
		default:
			if len(missing) > 0 {
				pl.notes = append(pl.notes, fmt.Sprintf("%s cannot run parts in %s (no kernel, no conversion)", d.Name, strings.Join(missing, ", ")))
			}
			pl.usable = append(pl.usable, di)
		}
	}
	return pl
}

// parts lists the placeable parts: the layers, then the output head.
func (pl *planner) parts() []*Part {
	ps := make([]*Part, 0, len(pl.n.Layers)+1)
	for i := range pl.n.Layers {
		ps = append(ps, &pl.n.Layers[i])
	}
	return append(ps, &pl.n.Output)
}

// effective is part p as device d holds it: weights of a format d has no
// kernel for are converted to the first of d.ConvertTo that it has.
func (pl *planner) effective(d *Device, p *Part) effPart {
	e := effPart{ok: true}
	for _, w := range p.Weights {
		if d.supports(w.Type) {
			e.weights = append(e.weights, w)
			continue
		}
		to, ok := quant.Type(0), false
		for _, t := range d.ConvertTo {
			if d.supports(t) && t.Valid() {
				to, ok = t, true
				break
			}
		}
		if !ok {
			return effPart{}
		}
		be, bb := to.BlockSize(), to.BlockBytes()
		bytes := (w.Params + uint64(be) - 1) / uint64(be) * uint64(bb)
		e.weights = append(e.weights, Weight{Type: to, Bytes: bytes, Params: w.Params, Matrices: w.Matrices})
		e.conv = append(e.conv, Conversion{Part: p.Name, Device: d.Name, From: w.Type, To: to, Bytes: w.Bytes,
			Seconds: float64(w.Bytes) / pl.convertRate(w.Type)})
	}
	return e
}

func (pl *planner) convertRate(t quant.Type) float64 {
	if pl.host >= 0 && pl.devs[pl.host].Speeds != nil {
		if r := pl.devs[pl.host].Speeds.ConvertRate(t); r > 0 {
			return r
		}
	}
	return DefaultConvertRate
}

// candidates enumerates and evaluates the layouts at a KV length.
func (pl *planner) candidates(ctx int) []*Candidate {
	L := len(pl.n.Layers)
	var lays []layout
	var accels []int
	for _, di := range pl.usable {
		if di != pl.host {
			accels = append(accels, di)
		}
		lays = append(lays, pl.uniform(di))
	}
	// Splits: an accelerator takes the last k layers and the output head,
	// the CPU the first L-k layers, at every boundary.
	if pl.host >= 0 && pl.isUsable(pl.host) {
		for _, a := range accels {
			for k := 1; k < L; k++ {
				l := layout{parts: make([]slot, L+1)}
				for i := range l.parts {
					l.parts[i] = slot{dev: pl.host}
					if i >= L-k {
						l.parts[i].dev = a
					}
				}
				lays = append(lays, l)
			}
		}
	}
	// Several accelerators: fill the fastest first from the end, the rest on the CPU.
	if len(accels) > 1 {
		lays = append(lays, pl.greedy(accels, ctx))
	}
	var out []*Candidate
	seen := map[string]bool{}
	for _, l := range lays {
		if !pl.runnable(l) {
			continue
		}
		c := pl.evaluate(l, ctx)
		if !seen[c.Name] {
			seen[c.Name] = true
			out = append(out, c)
		}
		if !c.Fits {
			// Stream the tails of the devices that overflow.
			if s, ok := pl.streamTails(l, ctx); ok {
				c := pl.evaluate(s, ctx)
				if !seen[c.Name] {
					seen[c.Name] = true
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func (pl *planner) isUsable(di int) bool {
	for _, u := range pl.usable {
		if u == di {
			return true
		}
	}
	return false
}

// runnable reports whether every part of l can run where l puts it.
func (pl *planner) runnable(l layout) bool {
	for pi, s := range l.parts {
		if !pl.eff[s.dev][pi].ok {
			return false
		}
	}
	return true
}

// uniform puts every part on one device, resident.
func (pl *planner) uniform(di int) layout {
	l := layout{parts: make([]slot, len(pl.n.Layers)+1)}
	for i := range l.parts {
		l.parts[i] = slot{dev: di}
	}
	return l
}

// greedy gives each accelerator, fastest first, as many parts from the end
// as fit resident; the rest go to the CPU (or the last accelerator).
func (pl *planner) greedy(accels []int, ctx int) layout {
	order := append([]int(nil), accels...)
	sort.SliceStable(order, func(i, j int) bool {
		return pl.devs[order[i]].Speeds.Bandwidth > pl.devs[order[j]].Speeds.Bandwidth
	})
	rest := pl.host
	if rest < 0 || !pl.isUsable(rest) {
		rest = order[len(order)-1]
	}
	l := pl.uniform(rest)
	end := len(l.parts)
	for _, a := range order {
		if a == rest {
			continue
		}
		k := 0
		for k < end {
			trial := layout{parts: append([]slot(nil), l.parts...)}
			for i := end - k - 1; i < end; i++ {
				trial.parts[i] = slot{dev: a}
			}
			if !pl.runnable(trial) || !pl.fitsOn(trial, a, ctx) {
				break
			}
			l, k = trial, k+1
		}
		end -= k
	}
	return l
}

// fitsOn reports whether device di's share of l fits its budget.
func (pl *planner) fitsOn(l layout, di, ctx int) bool {
	u := pl.use(l, ctx)[di]
	return u.Peak() <= pl.budget(di)
}

// streamTails makes each over-budget device of l stream its parts from
// the last one back, until it fits. ok is false when nothing was streamed.
func (pl *planner) streamTails(l layout, ctx int) (layout, bool) {
	s := layout{parts: append([]slot(nil), l.parts...)}
	changed := false
	for di := range pl.devs {
		var mine []int
		for pi, x := range s.parts {
			if x.dev == di {
				mine = append(mine, pi)
			}
		}
		for j := len(mine) - 1; j >= 0 && !pl.fitsOn(s, di, ctx); j-- {
			s.parts[mine[j]].streamed = true
			changed = true
		}
	}
	return s, changed
}

// budget is what device di may use.
func (pl *planner) budget(di int) uint64 { return Budget(&pl.devs[di], pl.o) }

// embedSlot places the embedding table: on the CPU when there is one (a
// gather of a few rows is no work, and the table stays out of accelerator
// memory), resident unless the CPU's budget has no room for it; else with
// the first layer.
func (pl *planner) embedSlot(l layout, use []Use) slot {
	if pl.host < 0 || !pl.isUsable(pl.host) {
		return slot{dev: l.parts[0].dev}
	}
	e := slot{dev: pl.host}
	if pl.tiedResident(l) {
		return e // the output head holds the same table
	}
	u := use[pl.host]
	var all uint64
	for i := range use {
		all += use[i].Peak()
	}
	if u.Peak()+pl.n.Embed.Bytes() > pl.budget(pl.host) ||
		pl.o.Limits.Total > 0 && all+pl.n.Embed.Bytes() > pl.o.Limits.Total {
		e.streamed = true
	}
	return e
}

// tiedResident: the output head reads the embedding table and keeps it
// resident on the CPU, so the embedding costs no memory of its own.
func (pl *planner) tiedResident(l layout) bool {
	out := l.parts[len(l.parts)-1]
	return pl.n.Tied && out.dev == pl.host && !out.streamed
}

// tiedShared: the output head reads the embedding table and holds it
// resident on the embedding's device, so the embedding costs no memory of
// its own there.
func (pl *planner) tiedShared(l layout, emb slot) bool {
	out := l.parts[len(l.parts)-1]
	return pl.n.Tied && out.dev == emb.dev && !out.streamed
}

// decodeAt is the predicted decode speed of l with the embedding at emb.
func (pl *planner) decodeAt(l layout, emb slot) float64 {
	d, _ := pl.predict(l, emb)
	return d
}

// use is each device's memory under l, without the embedding.
func (pl *planner) use(l layout, ctx int) []Use {
	u := make([]Use, len(pl.devs))
	for di := range u {
		u[di].Device = pl.devs[di].Name
		u[di].Budget = pl.budget(di)
	}
	rows := uint64(max(pl.o.PrefillChunk, pl.o.Batch))
	hasLayers := make([]bool, len(pl.devs))
	maxStreamed := make([]uint64, len(pl.devs))
	L := len(pl.n.Layers)
	for pi, s := range l.parts {
		e := &pl.eff[s.dev][pi]
		var bytes uint64
		for _, w := range e.weights {
			bytes += w.Bytes
		}
		if s.streamed {
			maxStreamed[s.dev] = max(maxStreamed[s.dev], bytes)
		} else {
			u[s.dev].Weights += bytes
		}
		if pi < L {
			hasLayers[s.dev] = true
			kv, _ := pl.o.KVType.RowBytes(pl.n.Layers[pi].KVElems)
			u[s.dev].KV += uint64(kv) * uint64(ctx) * uint64(pl.o.Batch)
		}
	}
	for di := range u {
		if hasLayers[di] {
			u[di].Scratch += rows * pl.n.ScratchPerToken
		}
		// The running part and the prefetched one.
		u[di].Window = 2 * maxStreamed[di]
	}
	out := l.parts[L].dev
	if !hasLayers[out] {
		u[out].Scratch += rows * pl.n.ScratchPerToken
	}
	u[out].Scratch += rows * pl.n.LogitsPerToken
	return u
}

// evaluate predicts a layout's memory and speed at a KV length.
func (pl *planner) evaluate(l layout, ctx int) *Candidate {
	L := len(pl.n.Layers)
	u := pl.use(l, ctx)
	emb := pl.embedSlot(l, u)
	// The table beside the layers, when the step then replays as one
	// graph and the prediction says it is faster.
	if g, ok := pl.graphSlot(l, u); ok && g != emb {
		if pl.decodeAt(l, g) > pl.decodeAt(l, emb) {
			emb = g
		}
	}
	if !emb.streamed && !pl.tiedShared(l, emb) && emb.dev >= 0 {
		u[emb.dev].Weights += pl.n.Embed.Bytes()
	}
	c := &Candidate{Context: ctx, Batch: pl.o.Batch, PrefillChunk: pl.o.PrefillChunk, Layers: make([]Assign, L)}
	c.Embed = Assign{Device: pl.devs[emb.dev].Name, Streamed: emb.streamed}
	for pi, s := range l.parts {
		a := Assign{Device: pl.devs[s.dev].Name, Streamed: s.streamed}
		if pi < L {
			c.Layers[pi] = a
		} else {
			c.Output = a
		}
		for _, cv := range pl.eff[s.dev][pi].conv {
			c.Converted = append(c.Converted, cv)
			c.Load += cv.Seconds
		}
	}
	c.Name = l.name
	if c.Name == "" {
		c.Name = name(c)
	}
	c.Fits = true
	var why []string
	var total uint64
	for di := range u {
		if u[di].Peak() == 0 && !pl.used(l, emb, di) {
			continue
		}
		c.Use = append(c.Use, u[di])
		total += u[di].Peak()
		if u[di].Peak() > u[di].Budget {
			c.Fits = false
			why = append(why, fmt.Sprintf("%s needs %s of %s", u[di].Device, formatSize(u[di].Peak()), formatSize(u[di].Budget)))
		}
	}
	if lim := pl.o.Limits.Total; lim > 0 && total > lim {
		c.Fits = false
		why = append(why, fmt.Sprintf("all devices need %s of the %s limit", formatSize(total), formatSize(lim)))
	}
	c.Why = strings.Join(why, "; ")
	c.Decode, c.Prefill = pl.predict(l, emb)
	c.Graph = pl.graphed(l, emb)
	return c
}

func (pl *planner) used(l layout, emb slot, di int) bool {
	if emb.dev == di {
		return true
	}
	for _, s := range l.parts {
		if s.dev == di {
			return true
		}
	}
	return false
}

// name writes a candidate as runs of parts per device: "cpu 0-11 | cuda0
// 12-31,out"; streamed runs are marked "(streamed)".
func name(c *Candidate) string {
	all := append(append([]Assign(nil), c.Layers...), c.Output)
	var runs []string
	for i := 0; i < len(all); {
		j := i
		for j+1 < len(all) && all[j+1] == all[i] {
			j++
		}
		span := fmt.Sprintf("%d-%d", i, j)
		switch {
		case i == j && i == len(all)-1:
			span = "out"
		case j == len(all)-1 && i == j-1:
			span = fmt.Sprintf("%d,out", i)
		case j == len(all)-1:
			span = fmt.Sprintf("%d-%d,out", i, j-1)
		case i == j:
			span = fmt.Sprint(i)
		}
		if i == 0 && j == len(all)-1 {
			span = "all"
		}
		r := all[i].Device + " " + span
		if all[i].Streamed {
			r += " (streamed)"
		}
		runs = append(runs, r)
		i = j + 1
	}
	return strings.Join(runs, " | ")
}
