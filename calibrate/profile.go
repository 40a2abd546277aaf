// Package calibrate measures how fast each device runs what Tern asks of it
// — memory bandwidth, matrix-vector and matrix-matrix throughput per weight
// format, the fixed cost of an op, host↔device copies, and the read speed of
// the disk a model lives on — and caches the result per machine, so that the
// planner predicts from measurements rather than from data sheets.
//
// It measures; it decides nothing (plan does). The benchmarks are short
// (the whole CPU calibration takes a few seconds) and run through the
// backend.Device interface, so they get faster as the kernels do. A device
// whose backend knows better how to measure itself implements Calibrator.
//
// It imports backend, budget (the op-latency probe runs behind one, as
// real runs do), device, gguf, model (the probe runs a tiny model) and
// quant.
package calibrate

import (
	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Version is the cache key's version: bump it when a benchmark changes
// what it measures, so that old caches are measured again.
const Version = 13

// Profile is one device's measured speeds. Rates are per second; a rate of
// 0 means "not measured".
type Profile struct {
	Version int          `json:"version"`
	Device  string       `json:"device"` // "cpu", "cuda0"
	Kind    backend.Kind `json:"kind"`
	Model   string       `json:"model"`   // processor or GPU name, part of the cache key
	Threads int          `json:"threads"` // CPU threads the figures were measured with

	// Bandwidth is the streaming read bandwidth of the device's memory with
	// all threads, bytes/s; ByThreads holds it per thread count.
	Bandwidth float64         `json:"bandwidth"`
	ByThreads map[int]float64 `json:"bandwidth_by_threads,omitempty"`

	// MatVec is matrix×vector throughput (one token, as in decoding) in
	// weight bytes read per second, by format name ("Q4_0").
	MatVec map[string]float64 `json:"matvec"`
	// MatMat is matrix×matrix throughput (MatMatRows tokens, as in a
	// prefill chunk) in flops per second (2 per multiply-add), by format.
	MatMat     map[string]float64 `json:"matmat"`
	MatMatRows int                `json:"matmat_rows"`

	// Contention is the share of the machine's CPU time that other
	// processes took while the host was measured (0 to 1): a calibration
	// taken beside them reads their load, not the machine (Cache.Get does
	// not keep one above Options.MaxContention).
	Contention float64 `json:"contention,omitempty"`

	// OpLatency is the fixed cost of one op in seconds: dispatch, thread
	// fan-out and sync; StepLatency that of a forward step beyond its ops
	// (the sequence's bookkeeping, the pass's setup). Both come from decode
	// steps of two models too small for their work to cost anything
	// (stories260K's shape at two depths).
	OpLatency   float64 `json:"op_latency"`
	StepLatency float64 `json:"step_latency,omitempty"`
	// AttnLatency is what decode attention costs per query head per
	// attended position beyond reading the keys and values (at Bandwidth):
	// the score's dot product, its exponential, the weighted sum's setup.
	// Small heads feel it most: stories260K's step at position 480 took
	// twice its time at position 40. From the deep probe model decoding at
	// short and at long positions.
	AttnLatency float64 `json:"attn_latency,omitempty"`

	// MatVecLatency is what a matrix×vector whose weights come from memory
	// costs beyond its bytes at the MatVec rate and its OpLatency, by
	// format: the memory's latency and the prefetchers' ramp at each new
	// matrix, and the input's conversion (20 to 50 µs on a 2-core EPYC
	// guest, where a layer's small K and V matrices ran at half the rate
	// of large ones). Measured for the formats whose kernels keep up with
	// memory. CacheBytes is the host's last-level cache (0: not known):
	// weights that fit in it are read without that cost.
	MatVecLatency map[string]float64 `json:"matvec_latency,omitempty"`
	CacheBytes    int64              `json:"cache_bytes,omitempty"`
	// MatVecSmall is what a matrix×vector of a format costs beyond an F32
	// one (part of OpLatency) with its weights in the cache, by format:
	// converting the input to the format's dot-product type, its own
	// fan-out. The smallest models pay it per product.
	MatVecSmall map[string]float64 `json:"matvec_small,omitempty"`

	// Decode is, on a device that replays a step's kernels as a graph (a
	// GPU), the decode cost of whole layers of each LayerClass in each
	// format, measured on probe models of those layers: there a kernel's
	// fixed cost, not the bytes, sets most of a small layer's time, and
	// attention's heads run side by side (OpLatency and AttnLatency, from a
	// tiny model, would charge the 1.1B's layers per op and per head).
	Decode []LayerCost `json:"decode,omitempty"`

	// Copy speeds between host and device memory, bytes/s (0 for the CPU).
	HostToDevice float64 `json:"host_to_device,omitempty"`
	DeviceToHost float64 `json:"device_to_host,omitempty"`

	// Convert is the speed of converting weights of a format to one the
	// device has kernels for, in source bytes/s, by source format (measured
	// on the CPU, where conversion at load runs).
	Convert map[string]float64 `json:"convert,omitempty"`

	// Estimated is set when the figures come from data sheets rather than
	// measurement (a device no benchmark has run on yet).
	Estimated bool `json:"estimated,omitempty"`
}

// MatVecRate is the matrix×vector rate for weights of type t in bytes/s,
// falling back to half the bandwidth for a format that was not measured.
func (p *Profile) MatVecRate(t quant.Type) float64 {
	if r := p.MatVec[t.String()]; r > 0 {
		return r
	}
	return p.Bandwidth / 2
}

// MatVecFixed is the fixed cost of one matrix×vector of weights of type
// t beyond OpLatency: MatVecLatency when the weights come from memory
// (MatVecSmall where that was not measured), MatVecSmall when they are in
// the cache.
func (p *Profile) MatVecFixed(t quant.Type, fromMemory bool) float64 {
	if v, ok := p.MatVecLatency[t.String()]; ok && fromMemory {
		return v
	}
	return p.MatVecSmall[t.String()]
}

// MatMatRate is the matrix×matrix rate for weights of type t in flops/s,
// falling back to the slowest measured format.
func (p *Profile) MatMatRate(t quant.Type) float64 {
	if r := p.MatMat[t.String()]; r > 0 {
		return r
	}
	slowest := 0.0
	for _, r := range p.MatMat {
		if r > 0 && (slowest == 0 || r < slowest) {
			slowest = r
		}
	}
	return slowest
}

// ConvertRate is how fast weights of type t convert, in source bytes/s;
// 0 when unknown.
func (p *Profile) ConvertRate(t quant.Type) float64 { return p.Convert[t.String()] }

// Disk is the measured sequential read speed of the file system that holds
// a model file (streaming reads layers from it).
type Disk struct {
	Version int     `json:"version"`
	Device  uint64  `json:"device"` // st_dev of the file system
	Read    float64 `json:"read"`   // bytes/s, cold where the page cache could be dropped
	Cached  float64 `json:"cached"` // bytes/s from the page cache
	Probed  int64   `json:"probed"` // bytes read to measure: a small file measures latency more than speed
}
