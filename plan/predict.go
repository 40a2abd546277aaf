package plan

import (
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/quant"
)

// transferLatency is the fixed cost of moving activations between two
// devices once (a copy's launch and synchronization), in seconds.
const transferLatency = 20e-6

// predict returns a layout's decode and prefill speeds in tokens/s.
//
// Decode (one step of Batch tokens): each part reads its weights once
// (bytes ÷ its device's matrix×vector rate for the format, and the
// format's fixed cost per matrix: from memory, or from the cache when the
// device's weights fit in it), reads the KV of every sequence up to
// PredictAt positions (bytes ÷ bandwidth, and each query head's
// AttnLatency per position), and pays its ops' fixed cost; the step pays
// its own fixed cost once, on the embedding's device, where it starts. A
// streamed part's weights arrive at the streaming source's speed while the
// previous part computes, so it costs the larger of its compute and its
// read. Activations crossing devices pay a copy and transferLatency.
//
// On a device with measured decode layers (calibrate.LayerCost: a GPU)
// decode is priced from them instead (graphs.go): a layer's bytes, its
// matrices' measured fixed cost and its attention per position, and the
// step's measured cost, with graphs when the whole step is that device's;
// and prefill: a layer's measured cost per weight of a calibrate.
// PrefillTokens chunk (attention over it included), scaled to the chunk,
// and the step's measured cost.
//
// Prefill (one chunk of PrefillChunk tokens): each part costs the larger
// of its matrix×matrix flops ÷ the format's rate and its weight read, plus
// attention over the chunk (on average half of it) at the F32 rate.
func (pl *planner) predict(l layout, emb slot) (decode, prefill float64) {
	o := &pl.o
	chunk := float64(o.PrefillChunk)
	batch := float64(o.Batch)
	var dec, pre float64
	prev := emb
	graphs := pl.graphed(l, emb)
	embed := pl.devs[emb.dev].Speeds
	// A device with measured decode steps (a GPU) measured the step's own
	// cost (the output norm, the top-1 selection, the host's work) with
	// the embedding on it. Those costs stay on the device of the output
	// head when the embedding is elsewhere: they are charged there, and the
	// embedding's device pays its op besides. (Charged on the embedding's
	// device alone, a table moved to the CPU dropped the GPU's step cost
	// from the prediction: an H100 planned the 1.1B Q4_0 with its
	// embedding on the CPU at 2092 tok/s, against 1324 all on the GPU, and
	// decoded 1305 without its graphs.)
	stepDev, sc, ok := emb.dev, stepCosts{}, false
	if n := len(l.parts); n > 0 {
		stepDev = l.parts[n-1].dev
		sc, ok = costsFor(pl.devs[stepDev].Speeds, pl.n.Dim, graphs)
	}
	if !ok {
		stepDev = emb.dev
		sc, ok = costsFor(embed, pl.n.Dim, graphs)
	}
	if ok {
		dec += sc.step()
		pre += sc.prefillStep()
		if stepDev != emb.dev {
			dec += float64(pl.n.Embed.Ops) * embed.OpLatency
			pre += float64(pl.n.Embed.Ops) * embed.OpLatency
		}
	} else {
		dec += embed.StepLatency + float64(pl.n.Embed.Ops)*embed.OpLatency
		pre += embed.StepLatency + float64(pl.n.Embed.Ops)*embed.OpLatency
	}
	if emb.streamed && pl.n.Vocab > 0 {
		row := float64(pl.n.Embed.Bytes()) / float64(pl.n.Vocab)
		dec += batch * row / o.DiskRead
		pre += chunk * row / o.DiskRead
	}
	L := len(pl.n.Layers)
	cached := pl.cached(l)
	for pi, s := range l.parts {
		d := &pl.devs[s.dev]
		p := pl.devs[s.dev].Speeds
		e := &pl.eff[s.dev][pi]
		var part *Part
		if pi < L {
			part = &pl.n.Layers[pi]
		} else {
			part = &pl.n.Output
		}
		var read, bytes, mm float64
		for _, w := range e.weights {
			read += float64(w.Bytes) / p.MatVecRate(w.Type)
			read += float64(w.Matrices) * p.MatVecFixed(w.Type, !cached[s.dev])
			bytes += float64(w.Bytes)
			if r := p.MatMatRate(w.Type); r > 0 {
				mm += 2 * float64(w.Params) * chunk / r
			} else {
				mm += read * chunk
			}
		}
		ops := float64(part.Ops) * p.OpLatency
		kv, _ := o.KVType.RowBytes(part.KVElems)
		attnDec := batch * float64(o.PredictAt) * (float64(kv)/p.Bandwidth + float64(part.Heads)*p.AttnLatency)
		attnPre := 0.0
		if r := p.MatMatRate(quant.F32); r > 0 {
			attnPre = float64(part.AttnFlops) * chunk * chunk / 2 / r
		}
		stepDec := read + attnDec + ops
		stepPre := max(mm, read) + attnPre + ops
		if sc, ok := costsFor(p, pl.n.Dim, graphs); ok {
			stepDec = sc.weights(e.weights)
			stepPre = stepDec // the output head: one row
			if pi < L {
				stepDec += batch * float64(o.PredictAt) * sc.attn()
				stepPre = sc.prefill(e.weights) * chunk / calibrate.PrefillTokens
			}
		}
		if s.streamed {
			// An accelerator computes while the host copies the next part
			// in: the larger of the two. The CPU faults the next part in on
			// the cores that compute (its kernels use them all): the sum.
			read := bytes / pl.streamRate(d)
			if d.host() {
				stepDec += read
				stepPre += read
			} else {
				stepDec = max(stepDec, read)
				stepPre = max(stepPre, read)
			}
		}
		dec += stepDec
		pre += stepPre
		if s.dev != prev.dev {
			act := float64(4 * pl.n.Dim)
			dec += pl.transfer(prev.dev, s.dev, batch*act)
			pre += pl.transfer(prev.dev, s.dev, chunk*act)
		}
		prev = s
	}
	// Logits come back to the host for sampling (one row per sequence
	// when decoding, the last row of a prefill chunk); a measured graphed
	// step's cost has its download in it.
	if pl.host >= 0 && prev.dev != pl.host {
		if !graphs {
			dec += pl.transfer(prev.dev, pl.host, batch*float64(pl.n.LogitsPerToken))
		}
		pre += pl.transfer(prev.dev, pl.host, float64(pl.n.LogitsPerToken))
	}
	return batch / dec, chunk / pre
}

// DefaultCacheBytes is the last-level cache assumed for a device whose
// calibration does not know its own: a desktop processor's L3.
const DefaultCacheBytes = 32 << 20

// cached reports, by device, whether the weights a layout puts there fit
// in the device's last-level cache (Profile.CacheBytes, else
// DefaultCacheBytes), so that decoding reads them without the memory's
// per-matrix cost (Profile.MatVecLatency). Streamed weights never are.
func (pl *planner) cached(l layout) []bool {
	bytes := make([]float64, len(pl.devs))
	streamed := make([]bool, len(pl.devs))
	for pi, s := range l.parts {
		for _, w := range pl.eff[s.dev][pi].weights {
			bytes[s.dev] += float64(w.Bytes)
		}
		streamed[s.dev] = streamed[s.dev] || s.streamed
	}
	out := make([]bool, len(pl.devs))
	for i := range pl.devs {
		c := float64(DefaultCacheBytes)
		if sp := pl.devs[i].Speeds; sp != nil && sp.CacheBytes > 0 {
			c = float64(sp.CacheBytes)
		}
		out[i] = !streamed[i] && bytes[i] <= c
	}
	return out
}

// streamRate is the speed at which a streamed part's weights reach device
// d: from the file's disk for the CPU, and through the host↔device copy as
// well for an accelerator.
func (pl *planner) streamRate(d *Device) float64 {
	r := pl.o.DiskRead
	if !d.host() && d.Speeds.HostToDevice > 0 {
		r = min(r, d.Speeds.HostToDevice)
	}
	return r
}

// transfer is the time to move n bytes of activations from device a to b.
func (pl *planner) transfer(a, b int, n float64) float64 {
	if a == b {
		return 0
	}
	rate := 0.0
	pick := func(r float64) {
		if r > 0 && (rate == 0 || r < rate) {
			rate = r
		}
	}
	if da := &pl.devs[a]; !da.host() {
		pick(da.Speeds.DeviceToHost)
	}
	if db := &pl.devs[b]; !db.host() {
		pick(db.Speeds.HostToDevice)
	}
	if rate == 0 {
		pick(pl.devs[a].Speeds.Bandwidth)
	}
	if rate == 0 {
		return transferLatency
	}
	return transferLatency + n/rate
}
