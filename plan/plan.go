// Package plan is Tern's router: from a model's needs (per-layer weight
// bytes by format, KV bytes per token, op counts) and the devices' state now
// (free memory, calibrated speeds, the weight formats they have kernels for)
// it decides where each layer runs and whether its weights stay resident or
// are streamed, how large the KV cache is, and predicts the prefill and
// decode speed and the peak memory of each device. It enumerates candidate
// placements (one device; splits at each layer boundary; streamed tails),
// predicts each from the calibration, and picks the fastest that fits its
// budgets; Explain prints the candidates and the reason for the choice.
//
// It decides; it allocates nothing. Budgets it computes are enforced by
// package budget. It imports backend, calibrate, device, gguf, model, quant.
package plan

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/quant"
)

// Device is what the planner knows of a device at the moment of planning.
type Device struct {
	Name        string // "cpu", "cuda0"
	Kind        backend.Kind
	Free, Total uint64 // memory now, in bytes
	// Speeds are the device's calibrated speeds. A device without them is
	// left out of every placement (the plan says so).
	Speeds *calibrate.Profile
	// Supports reports whether the device has kernels for weights of type
	// t; nil means every type.
	Supports func(t quant.Type) bool
	// ConvertTo lists, in order of preference, the formats that weights the
	// device has no kernel for may be converted to at load. Empty: such
	// weights keep the device out of placements that would need them.
	ConvertTo []quant.Type
}

// host reports whether the device computes in host memory, where streamed
// weights are read straight from the memory-mapped file.
func (d *Device) host() bool { return d.Kind == backend.CPU }

func (d *Device) supports(t quant.Type) bool { return d.Supports == nil || d.Supports(t) }

// Defaults of Options, with the reasons for their values.
const (
	// DefaultContext is the KV length when the caller names none and the
	// model was trained longer: enough for chat, small enough for laptops.
	DefaultContext = 4096
	// DefaultPrefillChunk is the tokens per prefill step: large enough that
	// a step's time is compute, not weight reads.
	DefaultPrefillChunk = 512
	// DefaultMinPrefillChunk is the smallest chunk the planner shrinks
	// prefill to when memory is short: below it, weight reads dominate.
	DefaultMinPrefillChunk = 64
	// DefaultMarginFraction and DefaultMarginMin keep part of a device's
	// free memory out of its budget: other processes grow, allocators
	// fragment, and a GPU driver takes workspace of its own.
	DefaultMarginFraction = 0.05
	DefaultMarginMin      = 256 << 20
	// DefaultDiskRead is the disk read speed assumed until calibration has
	// measured the model's disk: a modest SATA SSD, in bytes/s.
	DefaultDiskRead = 400e6
	// DefaultConvertRate is the load-time conversion speed, in source
	// bytes/s, assumed where the CPU's calibration has no figure.
	DefaultConvertRate = 300e6
	// DefaultPredictAt is the KV position at which decode speed is
	// predicted (attention cost grows with it): a short chat turn.
	DefaultPredictAt = 256
)

// Options are the request and the user's limits.
type Options struct {
	Context int // KV positions per sequence; 0: the smaller of the trained context and DefaultContext
	// MinContext is the smallest KV length the planner may shrink to, by
	// halving, before it streams layers; 0 means the KV is not shrunk.
	MinContext   int
	Batch        int // sequences decoded together; 0: 1
	PrefillChunk int // tokens per prefill step; 0: DefaultPrefillChunk
	// MinPrefillChunk is the smallest chunk the planner may shrink prefill
	// to, by halving, before it streams layers; 0: DefaultMinPrefillChunk
	// (or PrefillChunk when that is smaller).
	MinPrefillChunk int
	KVType          quant.Type // element type of the KV cache (F32, the zero value, or F16)
	Limits          Limits     // the user's memory limits
	// MarginFraction of a device's total memory, but at least MarginMin
	// bytes, is kept out of its budget. Zero values take the defaults; a
	// negative MarginFraction means no margin.
	MarginFraction float64
	MarginMin      uint64
	// DiskRead is the read speed of the model file's disk in bytes/s
	// (calibrate.Disk); 0: DefaultDiskRead.
	DiskRead  float64
	PredictAt int // KV position of the decode prediction; 0: DefaultPredictAt
}

func (o Options) withDefaults(n *Needs) Options {
	if o.Context <= 0 {
		o.Context = DefaultContext
		if n.ContextLen > 0 {
			o.Context = min(o.Context, n.ContextLen)
		}
	}
	if o.MinContext <= 0 || o.MinContext > o.Context {
		o.MinContext = o.Context
	}
	o.Batch = max(o.Batch, 1)
	if o.PrefillChunk <= 0 {
		o.PrefillChunk = DefaultPrefillChunk
	}
	if o.MinPrefillChunk <= 0 {
		o.MinPrefillChunk = DefaultMinPrefillChunk
	}
	o.MinPrefillChunk = min(o.MinPrefillChunk, o.PrefillChunk)
	o = o.withMargins()
	if o.DiskRead <= 0 {
		o.DiskRead = DefaultDiskRead
	}
	if o.PredictAt <= 0 {
		o.PredictAt = DefaultPredictAt
	}
	o.PredictAt = min(o.PredictAt, o.Context)
	return o
}

func (o Options) withMargins() Options {
	if o.MarginFraction == 0 {
		o.MarginFraction = DefaultMarginFraction
	}
	if o.MarginFraction < 0 {
		o.MarginFraction, o.MarginMin = -1, 0 // stays "no margin" when applied again
	} else if o.MarginMin == 0 {
		o.MarginMin = DefaultMarginMin
	}
	return o
}

// Assign places one part of the model.
type Assign struct {
	Device   string
	Streamed bool // weights read from the file (or host memory) each pass, not kept on the device
}

// Conversion is a part's weights of a format its device has no kernel for,
// converted at load.
type Conversion struct {
	Part     string
	Device   string
	From, To quant.Type
	Bytes    uint64  // source bytes
	Seconds  float64 // predicted time
}

// Use is one device's predicted memory under a candidate, in bytes.
type Use struct {
	Device  string
	Budget  uint64 // what the device may use: the smaller of its limit and free memory less the margin
	Weights uint64 // resident weights
	KV      uint64
	Scratch uint64 // activations and logits
	Window  uint64 // streamed weights in flight: the layer running and the one prefetched
}

// Peak is the device's predicted peak memory.
func (u *Use) Peak() uint64 { return u.Weights + u.KV + u.Scratch + u.Window }

// Candidate is one placement with its prediction.
type Candidate struct {
	Name   string
	Embed  Assign
	Layers []Assign
	Output Assign
	// Context is the KV length per sequence (smaller than asked when the
	// KV was shrunk to fit), Batch the sequences, PrefillChunk the tokens
	// per prefill step (smaller than asked when activations were shrunk
	// to fit): the engine must use these.
	Context, Batch, PrefillChunk int
	Converted                    []Conversion
	Use                          []Use // per device used, in the order of the planner's devices
	// Predicted speeds in tokens/s, and seconds of load-time conversion.
	Prefill, Decode float64
	Load            float64
	// Graph is set when a decode step is one device's, replayed as a
	// recorded graph (the embedding beside the layers), and predicted
	// from that device's measured graph costs.
	Graph bool
	Fits  bool
	Why   string // what does not fit; empty when it fits
}

// Streamed counts the streamed parts (layers and output).
func (c *Candidate) Streamed() int {
	n := 0
	for _, a := range append(c.Layers, c.Output) {
		if a.Streamed {
			n++
		}
	}
	return n
}

// Plan is the planner's decision: the chosen candidate and everything that
// was considered.
type Plan struct {
	*Candidate // the choice
	Candidates []*Candidate
	Reason     string   // why the choice won
	Notes      []string // devices left out, conversions, a shrunk KV
	Model      string
	Options    Options // with defaults filled in
	Devices    []Device

	needs *Needs // for Replan
}

// ErrNoFit is wrapped by Make when no candidate fits; it wraps
// backend.ErrOutOfMemory.
var ErrNoFit = fmt.Errorf("plan: no placement fits: %w", backend.ErrOutOfMemory)

// Make plans a model's placement on devs. When nothing fits it returns the
// plan of what was considered (for Explain) and an error wrapping ErrNoFit.
func Make(n *Needs, devs []Device, o Options) (*Plan, error) {
	if n == nil || len(n.Layers) == 0 {
		return nil, errors.New("plan: a model with no layers")
	}
	if len(devs) == 0 {
		return nil, errors.New("plan: no devices")
	}
	o = o.withDefaults(n)
	pl := newPlanner(n, devs, o)
	p := &Plan{Model: n.Name, Options: o, Devices: devs, Notes: pl.notes, needs: n}
	if len(pl.usable) == 0 {
		return p, fmt.Errorf("plan: no device can run %s: %w", n.Name, ErrNoFit)
	}
	// Shrink the KV (halving the context down to MinContext) and the
	// prefill chunk (halving it down to MinPrefillChunk: its activations
	// and logits) before streaming: at each size, a placement with every
	// weight resident wins; streaming is the last resort, at the longest
	// context where it fits.
	var streamedFit *Candidate
	for ctx := o.Context; p.Candidate == nil; ctx = max(ctx/2, o.MinContext) {
		var levelStreamed *Candidate
		for chunk := o.PrefillChunk; ; chunk = max(chunk/2, o.MinPrefillChunk) {
			at := *pl
			at.o.PrefillChunk = chunk
			cands := at.candidates(ctx)
			p.Candidates = append(p.Candidates, cands...)
			if best := choose(cands, false); best != nil {
				p.Candidate = best
				break
			}
			if s := choose(cands, true); s != nil && (levelStreamed == nil || better(s, levelStreamed)) {
				levelStreamed = s
			}
			if chunk == o.MinPrefillChunk {
				break
			}
		}
		if streamedFit == nil {
			streamedFit = levelStreamed
		}
		if ctx == o.MinContext {
			break
		}
	}
	if p.Candidate == nil {
		p.Candidate = streamedFit
	}
	if c := p.Candidate; c != nil {
		if c.Context < o.Context {
			p.Notes = append(p.Notes, fmt.Sprintf("KV cache shrunk from %d to %d positions", o.Context, c.Context))
		}
		if c.PrefillChunk < o.PrefillChunk {
			p.Notes = append(p.Notes, fmt.Sprintf("prefill chunk shrunk from %d to %d tokens (smaller activations and logits)", o.PrefillChunk, c.PrefillChunk))
		}
	}
	if p.Candidate == nil {
		return p, fmt.Errorf("plan: %s (%s of weights) on %s: %w", n.Name, formatSize(n.Bytes()), deviceNames(devs), ErrNoFit)
	}
	p.Reason = reason(p.Candidate, p.Candidates)
	for _, c := range p.Candidate.Converted {
		p.Notes = append(p.Notes, fmt.Sprintf("%s: %s converted %s → %s at load (%s, predicted %.1f s)",
			c.Device, c.Part, c.From, c.To, formatSize(c.Bytes), c.Seconds))
	}
	return p, nil
}

// choose returns the fastest fitting candidate (decode speed first, then
// prefill, then fewer devices), only among those without streamed parts
// unless streamed is set.
func choose(cands []*Candidate, streamed bool) *Candidate {
	var best *Candidate
	for _, c := range cands {
		if !c.Fits || (!streamed && c.Streamed() > 0) {
			continue
		}
		if best == nil || better(c, best) {
			best = c
		}
	}
	return best
}

// better orders candidates: predictions within sameSpeed of each other
// count as a tie, broken by prefill and then by using fewer devices.
func better(a, b *Candidate) bool {
	const sameSpeed = 0.02
	if !near(a.Decode, b.Decode, sameSpeed) {
		return a.Decode > b.Decode
	}
	if !near(a.Prefill, b.Prefill, sameSpeed) {
		return a.Prefill > b.Prefill
	}
	return len(a.Use) < len(b.Use)
}

func near(a, b, rel float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= rel*max(a, b)
}

// reason says why c won.
func reason(c *Candidate, all []*Candidate) string {
	fit, total := 0, 0
	var runnerUp *Candidate
	for _, x := range all {
		total++
		if !x.Fits {
			continue
		}
		fit++
		if x != c && (runnerUp == nil || better(x, runnerUp)) {
			runnerUp = x
		}
	}
	s := fmt.Sprintf("fastest predicted decode of the %d candidates that fit (of %d)", fit, total)
	if c.Streamed() > 0 {
		s = fmt.Sprintf("no placement keeps every weight resident; streaming %d parts is the fastest of the %d that fit (of %d)", c.Streamed(), fit, total)
	}
	if runnerUp != nil {
		s += fmt.Sprintf("; next: %s (context %d, chunk %d) at %s tok/s", runnerUp.Name, runnerUp.Context, runnerUp.PrefillChunk, rate(runnerUp.Decode))
	}
	return s
}

func deviceNames(devs []Device) string {
	names := make([]string, len(devs))
	for i := range devs {
		names[i] = devs[i].Name
	}
	return fmt.Sprint(names)
}

// Device returns the named device of the plan.
func (p *Plan) Device(name string) (*Device, bool) {
	i := slices.IndexFunc(p.Devices, func(d Device) bool { return d.Name == name })
	if i < 0 {
		return nil, false
	}
	return &p.Devices[i], true
}
