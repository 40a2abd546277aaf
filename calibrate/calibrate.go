package calibrate

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Calibrator is implemented by a device that measures itself (a GPU
// backend knows how to time its own kernels and copies). Run uses it
// instead of the generic benchmarks when present.
type Calibrator interface {
	Calibrate(ctx context.Context, o Options) (*Profile, error)
}

// Progress reports a calibration step as it starts.
type Progress struct {
	Device      string
	Step        string // "bandwidth 2 threads", "matvec Q4_0", …
	Done, Total int    // steps finished and planned
}

// Options control a calibration.
type Options struct {
	// Formats are the weight formats to measure; nil: DefaultFormats. Those
	// the device has no kernel for are skipped.
	Formats []quant.Type
	// Step is the least time each measurement runs (it repeats its work
	// until then); 0: DefaultStep.
	Step time.Duration
	// Progress, when set, is called as each step starts.
	Progress func(Progress)
	// MatVecBytes is the weight size of the matrix×vector benchmark (the
	// matrix×matrix one uses at most matmatWeightRows rows of it), and
	// BandwidthBytes the buffer the bandwidth benchmark reads; 0: the
	// defaults. Tests make them small.
	MatVecBytes, BandwidthBytes int
	// MaxContention is the largest share of the machine's CPU time other
	// processes may take while the host is measured for Cache.Get to keep
	// the calibration; 0: DefaultMaxContention, 1 or more: keep it always
	// (tests that run beside other packages' tests).
	MaxContention float64
}

// DefaultStep is long enough to average out the scheduler and short enough
// that a CPU's calibration (about 40 steps) stays within a few seconds.
const DefaultStep = 60 * time.Millisecond

// DefaultFormats are the weight formats calibration measures: those GGUF
// models ship in and the CPU backend runs.
var DefaultFormats = []quant.Type{
	quant.F32, quant.F16, quant.BF16,
	quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0,
	quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K,
	quant.IQ4_NL, quant.TQ1_0, quant.TQ2_0,
}

// Shapes of the benchmarks, with the reasons for their sizes.
const (
	// DefaultMatVecBytes is the least weight size of the host's
	// matrix×vector benchmark, which reads llcFactor times the last-level
	// cache (hostMatVecBytes) so that it measures memory.
	DefaultMatVecBytes = 48 << 20
	// DefaultGPUMatVecBytes is the same for a GPU: above the L2 caches of
	// current GPUs (50 MiB on an H100, 126 MiB on a B200).
	DefaultGPUMatVecBytes = 256 << 20
	// matCols is the row length of the benchmark matrices: a common model
	// width, a whole number of every format's blocks.
	matCols = 4096
	// matmatRows is the tokens of the matrix×matrix benchmark, and
	// matmatWeightRows its output rows: enough work to amortize the
	// activation conversion, small enough to run in a fraction of a step.
	matmatRows       = 32
	matmatWeightRows = 512
)

// Device calibrates one device: memory bandwidth per thread count (CPU),
// the fixed cost of an op, matrix×vector and matrix×matrix throughput for
// each format, conversion speed (CPU), and host↔device copies (other
// devices). A device implementing Calibrator measures itself. model names
// the hardware for the cache key (device.Device.Model).
func Device(ctx context.Context, d backend.Device, model string, o Options) (*Profile, error) {
	if c, ok := d.(Calibrator); ok {
		p, err := c.Calibrate(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("calibrate: %s: %w", d.Name(), err)
		}
		p.Version, p.Device, p.Kind, p.Model = Version, d.Name(), d.Kind(), model
		return p, nil
	}
	if o.Step <= 0 {
		o.Step = DefaultStep
	}
	host := d.Kind() == backend.CPU
	var contention func() float64
	if host {
		contention = watchContention()
	}
	if o.MatVecBytes <= 0 {
		o.MatVecBytes = DefaultGPUMatVecBytes
		if host {
			free, _, _ := d.Memory()
			o.MatVecBytes = hostMatVecBytes(lastLevelCache(), free)
		}
	}
	if o.BandwidthBytes <= 0 {
		// Above the caches too, as the matrix×vector weight is.
		o.BandwidthBytes = max(DefaultBandwidthBytes, min(o.MatVecBytes, 256<<20))
	}
	formats := o.Formats
	if formats == nil {
		formats = DefaultFormats
	}
	threads := runtime.GOMAXPROCS(0)
	if t, ok := d.(interface{ Threads() int }); ok {
		threads = t.Threads()
	}
	p := &Profile{Version: Version, Device: d.Name(), Kind: d.Kind(), Model: model, Threads: threads,
		MatVec: map[string]float64{}, MatMat: map[string]float64{}, MatMatRows: matmatRows}
	r := &run{ctx: ctx, d: d, o: o, p: p}
	scr := &scratch{}
	defer scr.free()
	counts := threadCounts(threads)
	r.total = 1 + 2*len(formats)
	if host {
		r.total += len(counts) + len(formats) + 1
	} else {
		r.total += 2
	}
	_, stepper := d.(backend.Stepper)
	stepper = stepper && !host
	if stepper {
		r.total += len(LayerClasses) * len(formats)
	}
	if host {
		p.ByThreads = map[int]float64{}
		buf := bandwidthBuffer(scr, o.BandwidthBytes)
		for _, t := range counts {
			if err := r.step(fmt.Sprintf("bandwidth %d threads", t)); err != nil {
				return nil, err
			}
			bw, err := hostBandwidth(ctx, buf, t, o.Step)
			if err != nil {
				return nil, err
			}
			p.ByThreads[t] = bw
			p.Bandwidth = max(p.Bandwidth, bw)
		}
	}
	for _, t := range formats {
		if err := r.step("matvec " + t.String()); err != nil {
			return nil, err
		}
		rate, err := matVec(d, t, o.MatVecBytes, o.Step, scr)
		if errors.Is(err, backend.ErrUnsupported) || errors.Is(err, quant.ErrUnsupported) {
			r.done++ // no kernel: no matmat either
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("calibrate: %s: matvec %s: %w", d.Name(), t, err)
		}
		p.MatVec[t.String()] = rate
		if err := r.step("matmat " + t.String()); err != nil {
			return nil, err
		}
		if p.MatMat[t.String()], err = matMat(d, t, o.MatVecBytes, o.Step, scr); err != nil {
			return nil, fmt.Errorf("calibrate: %s: matmat %s: %w", d.Name(), t, err)
		}
	}
	if err := r.step("op latency"); err != nil {
		return nil, err
	}
	var err error
	if p.StepLatency, p.OpLatency, p.AttnLatency, err = opLatency(ctx, d, p.MatVec["F32"], p.Bandwidth, o.Step); err != nil {
		return nil, fmt.Errorf("calibrate: %s: op latency: %w", d.Name(), err)
	}
	if stepper {
		if p.Decode, err = decodeLayers(ctx, d, p, LayerClasses, formats, decodeShallowBytes, o.Step, r.step); err != nil {
			return nil, fmt.Errorf("calibrate: %s: %w", d.Name(), err)
		}
	}
	if host {
		if err := r.step("matvec latency"); err != nil {
			return nil, err
		}
		p.CacheBytes = lastLevelCache()
		if p.MatVecLatency, err = matVecLatencies(d, p, o.MatVecBytes, o.Step, scr); err != nil {
			return nil, fmt.Errorf("calibrate: %s: matvec latency: %w", d.Name(), err)
		}
		if p.MatVecSmall, err = matVecSmall(d, p, o.Step/4); err != nil {
			return nil, fmt.Errorf("calibrate: %s: small matvec: %w", d.Name(), err)
		}
	}
	if host {
		p.Convert = map[string]float64{}
		for _, t := range formats {
			if err := r.step("convert " + t.String()); err != nil {
				return nil, err
			}
			rate, err := convertRate(t, threads, o.Step)
			if err == nil {
				p.Convert[t.String()] = rate
			}
		}
	} else {
		if err := r.step("host to device"); err != nil {
			return nil, err
		}
		if p.HostToDevice, p.DeviceToHost, err = copyRates(d, o.Step); err != nil {
			return nil, fmt.Errorf("calibrate: %s: copies: %w", d.Name(), err)
		}
		r.done++
		// Without a bandwidth benchmark of its own, the best matvec rate
		// is the device's memory bandwidth as far as Tern can see it.
		for _, v := range p.MatVec {
			p.Bandwidth = max(p.Bandwidth, v)
		}
	}
	if contention != nil {
		p.Contention = contention()
	}
	r.report("done")
	return p, nil
}

// run counts steps and reports progress.
type run struct {
	ctx         context.Context
	d           backend.Device
	o           Options
	p           *Profile
	done, total int
}

func (r *run) step(name string) error {
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("calibrate: %s: %w", r.d.Name(), err)
	}
	r.report(name)
	r.done++
	return nil
}

func (r *run) report(name string) {
	if r.o.Progress != nil {
		r.o.Progress(Progress{Device: r.d.Name(), Step: name, Done: min(r.done, r.total), Total: r.total})
	}
}

// threadCounts are the thread counts the bandwidth is measured at: one,
// powers of two, and all.
func threadCounts(all int) []int {
	var c []int
	for t := 1; t < all; t *= 2 {
		c = append(c, t)
	}
	return append(c, all)
}

// timeSlices is how many parts a measurement's time is cut into; the
// median part's time per run is the result. The fastest part was used
// before, since other processes only slow a part down, but on a shared
// host the neighbours' memory traffic also comes and goes: the fastest of
// ten parts read 68 GB/s where a 1 GiB stream reads 62 and decoding
// averages far less, and predicted a 1.1B Q4_0 decode at 84 tok/s that
// ran at 58–61. Processes that take the CPU outright are caught by the
// contention check (watchContention) instead, which keeps such a
// calibration out of the cache.
const timeSlices = 10

// timeIt runs fn once to warm caches and pages, then for about d in
// timeSlices parts (each at least one run), and returns the median part's
// seconds per run.
func timeIt(d time.Duration, fn func() error) (float64, error) {
	if err := fn(); err != nil {
		return 0, err
	}
	var parts [timeSlices]float64
	for i := range parts {
		start := time.Now()
		n := 0
		for {
			if err := fn(); err != nil {
				return 0, err
			}
			n++
			if el := time.Since(start); el >= d/timeSlices {
				parts[i] = el.Seconds() / float64(n)
				break
			}
		}
	}
	slices.Sort(parts[:])
	return (parts[timeSlices/2-1] + parts[timeSlices/2]) / 2, nil
}
