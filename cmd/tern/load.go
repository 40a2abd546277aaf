package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/backend/cuda"
	"github.com/tern-llm/tern/budget"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/device"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/plan"
	"github.com/tern-llm/tern/quant"
	"github.com/tern-llm/tern/stream"
)

// Discovery and calibration settings; tests change them (a small, fast
// calibration; no GPU driver).
var (
	discovery   = device.Options{}
	calibration = calibrate.Options{}
)

// diskStep is how long each pass of the disk measurement runs at most
// (once per file system: the result is cached).
const diskStep = 500 * time.Millisecond

// memoryLimitUsage is the help text of --memory-limit.
const memoryLimitUsage = "most memory to use: a size for all devices (300MiB, 8GiB) or per device (cpu=8GiB,cuda0=20GiB); layers that do not fit are streamed from the file"

// machine is this machine's devices as the planner sees them: found by
// discovery, with a backend where Tern has one, and calibrated.
type machine struct {
	found    []*device.Device // every device found, the CPU first
	usable   []*device.Device // those with a backend, which plans use
	backends map[string]backend.Device
	profiles map[string]*calibrate.Profile
	cache    calibrate.Cache
	limits   plan.Limits
	closers  []func() // backends to close
}

// Close closes the backends m opened.
func (m *machine) Close() {
	for _, c := range m.closers {
		c()
	}
	m.closers = nil
}

// cudaFormats are the weight formats the CUDA backend has kernels for.
var cudaFormats = []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q6_K}

func cudaSupports(t quant.Type) bool { return slices.Contains(cudaFormats, t) }

// checkLimits checks --memory-limit's syntax (probe checks its device
// names against the devices found).
func checkLimits(s string) error {
	if _, err := plan.ParseLimits(s); err != nil {
		return usageErrorf("--memory-limit: %v", strings.TrimPrefix(err.Error(), "plan: "))
	}
	return nil
}

// probe finds the devices, opens their backends and calibrates them (from
// the cache unless force is set; a calibration shows its progress on
// stderr). limits is --memory-limit as given: a bad one, or one naming a
// device this machine lacks, is a usage error.
func probe(ctx context.Context, io stdio, log *slog.Logger, threads int, limits string, force bool) (*machine, error) {
	if err := checkLimits(limits); err != nil {
		return nil, err
	}
	lim, _ := plan.ParseLimits(limits)
	found, gpuErr := device.Discover(discovery)
	if gpuErr != nil {
		log.Warn("a GPU driver is present but failed; going on without it", "err", gpuErr)
	}
	if len(found) == 0 || found[0].Kind != backend.CPU {
		return nil, errors.New("device discovery found no CPU")
	}
	names := make([]string, len(found))
	for i, d := range found {
		names[i] = d.Name
	}
	for name := range lim.Device {
		if !contains(names, name) {
			return nil, usageErrorf("--memory-limit: no device %q on this machine (devices: %s)", name, strings.Join(names, ", "))
		}
	}
	cache, err := calibrate.DefaultCache()
	if err != nil {
		cache = calibrate.Cache{Dir: filepath.Join(os.TempDir(), "tern")}
		log.Warn("no user cache directory; caching calibrations in the temporary directory", "dir", cache.Dir, "err", err)
	}
	m := &machine{found: found, cache: cache, limits: lim,
		backends: map[string]backend.Device{}, profiles: map[string]*calibrate.Profile{}}
	// The CPU, and each NVIDIA GPU whose backend opens. Other GPUs
	// (Metal) are shown but have no backend yet.
	m.usable = []*device.Device{found[0]}
	m.backends[found[0].Name] = cpu.New(threads)
	for _, info := range found[1:] {
		n, err := strconv.Atoi(strings.TrimPrefix(info.Name, "cuda"))
		if info.Kind != backend.CUDA || err != nil {
			continue
		}
		d, err := cuda.New(n)
		if err != nil {
			log.Warn("the GPU's backend did not open; planning without it", "device", info.Name, "err", err)
			continue
		}
		m.usable = append(m.usable, info)
		m.backends[info.Name] = d
		m.closers = append(m.closers, func() { d.Close() })
	}
	for _, info := range m.usable {
		dev := m.backends[info.Name]
		o := calibration
		if info.Kind == backend.CUDA && o.Formats == nil {
			o.Formats = cudaFormats
		}
		o.Progress = progress(io.err, io.errTTY, info.Name, cache.Dir)
		prof, err := cache.Get(ctx, dev, info, force, o)
		o.Progress(calibrate.Progress{Done: -1})
		if err != nil && prof != nil {
			log.Warn("the calibration could not be cached; the next run measures again", "device", info.Name, "err", err)
		} else if err != nil {
			m.Close()
			return nil, fmt.Errorf("calibrating %s: %w", info.Name, err)
		}
		m.profiles[info.Name] = prof
	}
	return m, nil
}

// progress returns a calibration progress reporter for device: a line
// when calibration starts, then the step on a terminal (rewritten in
// place) or each new kind of benchmark elsewhere, and the time taken.
// Called with Done < 0 it ends the report (nothing when nothing ran).
func progress(w io.Writer, tty bool, device, dir string) func(calibrate.Progress) {
	var start time.Time
	seen := map[string]bool{}
	return func(p calibrate.Progress) {
		if p.Done < 0 {
			if !start.IsZero() {
				if tty {
					fmt.Fprint(w, "\r\033[K")
				}
				fmt.Fprintf(w, "tern: calibrated %s in %.1f s\n", device, time.Since(start).Seconds())
				start = time.Time{}
			}
			return
		}
		if start.IsZero() {
			start = time.Now()
			fmt.Fprintf(w, "tern: calibrating %s (once per machine; cached in %s)\n", device, dir)
		}
		if tty {
			fmt.Fprintf(w, "\r\033[K  [%d/%d] %s", min(p.Done+1, p.Total), p.Total, p.Step)
			return
		}
		if g, _, _ := strings.Cut(p.Step, " "); !seen[g] && p.Done < p.Total {
			seen[g] = true
			fmt.Fprintf(w, "  [%d/%d] %s\n", p.Done+1, p.Total, p.Step)
		}
	}
}

// devices reads the usable devices' memory now, as the planner sees it.
func (m *machine) devices() ([]plan.Device, error) {
	devs, err := plan.FromDevices(m.usable, m.profiles)
	for i := range devs {
		if devs[i].Kind == backend.CUDA {
			devs[i].Supports = cudaSupports
		}
	}
	return devs, err
}

// hostOnly is devs without the GPUs.
func hostOnly(devs []plan.Device) []plan.Device {
	return slices.DeleteFunc(slices.Clone(devs), func(d plan.Device) bool { return d.Kind != backend.CPU })
}

// streamsOffHost reports whether p streams a part on a device other than
// the CPU: weights that a GPU would read from host memory each pass,
// which the loader cannot do yet.
func streamsOffHost(p *plan.Plan) bool {
	for _, a := range slices.Concat(p.Layers, []plan.Assign{p.Output, p.Embed}) {
		if a.Streamed {
			if d, ok := p.Device(a.Device); ok && d.Kind != backend.CPU {
				return true
			}
		}
	}
	return false
}

// planOptions is what a command asks of the plan.
type planOptions struct {
	context      int        // 0: the model's, at most plan.DefaultContext
	minContext   int        // the plan may shrink the KV down to this; 0: not
	batch        int        // sequences at once; 0: 1
	prefillChunk int        // 0: plan.DefaultPrefillChunk
	kvType       quant.Type // the KV cache's elements: F32 (the zero value) or F16
}

// cacheTypeFlag defines --cache-type, the KV cache's element type, in t.
func cacheTypeFlag(fs *flag.FlagSet, t *quant.Type) {
	*t = quant.F32
	fs.Func("cache-type", "element type of the KV cache: f32 (the default: logits as llama.cpp's with an F32 cache) or f16\n(half the memory and the bytes read a token, llama.cpp's default)", func(s string) error {
		switch strings.ToUpper(s) {
		case "F32":
			*t = quant.F32
		case "F16":
			*t = quant.F16
		default:
			return fmt.Errorf("%q: want f32 or f16", s)
		}
		return nil
	})
}

// makePlan plans the model f (at path) on m. On a plan that does not fit
// it returns the plan too (Explain shows what was considered) with an
// error wrapping plan.ErrNoFit.
func (m *machine) makePlan(path string, f *gguf.File, po planOptions, log *slog.Logger) (*plan.Plan, error) {
	needs, err := plan.NeedsFromGGUF(f)
	if err != nil {
		return nil, inFile(path, err)
	}
	devs, err := m.devices()
	if err != nil {
		return nil, err
	}
	o := plan.Options{Context: po.context, MinContext: po.minContext, Batch: po.batch,
		PrefillChunk: po.prefillChunk, Limits: m.limits, KVType: po.kvType}
	if disk, err := m.cache.GetDisk(path, false, diskStep); err != nil {
		log.Warn("the disk's read speed could not be measured; assuming a modest SSD", "err", err)
	} else {
		host := &devs[0] // the CPU
		o.DiskRead = disk.Rate(needs.Bytes(), host.Free-min(host.Free, plan.Budget(host, o)))
	}
	p, err := plan.Make(needs, devs, o)
	if err == nil && streamsOffHost(p) {
		log.Info(offHostMsg, "was", p.Summary())
		return plan.Make(needs, hostOnly(devs), o)
	}
	return p, err
}

// offHostMsg is logged when a plan that streams into a GPU is replaced.
const offHostMsg = "the plan streams weights into a GPU, which the loader cannot do yet; planning on the CPU alone"

// noFit explains a plan that does not fit: the budgets, the limit, and
// the least memory any placement considered needs. It wraps plan.ErrNoFit.
func noFit(path string, p *plan.Plan, limits plan.Limits, err error) error {
	if !errors.Is(err, plan.ErrNoFit) || p == nil {
		return inFile(path, err)
	}
	var budgets []string
	for _, d := range p.Devices {
		budgets = append(budgets, fmt.Sprintf("%s budget %s", d.Name, device.FormatBytes(plan.Budget(&d, p.Options))))
	}
	var least uint64
	for _, c := range p.Candidates {
		var need uint64
		for _, u := range c.Use {
			need += u.Peak()
		}
		if least == 0 || need < least {
			least = need
		}
	}
	msg := "the model does not fit in memory, even streamed from the file"
	if least > 0 {
		msg += fmt.Sprintf(": it needs at least %s", device.FormatBytes(least))
	}
	msg += " (" + strings.Join(budgets, ", ")
	if limits.Total > 0 || len(limits.Device) > 0 {
		msg += "; --memory-limit " + limits.String()
	}
	msg += ")"
	return &fileError{path: path, msg: msg, err: err}
}

// loadedModel is a model file opened, planned and bound to devices.
type loadedModel struct {
	file   *gguf.File
	model  *model.Model
	plan   *plan.Plan
	stream *stream.Device     // pages the streamed parts; nil when none are
	pages  *stream.Prefetcher // its prefetcher
	acct   *budget.Accountant // the CPU's
	mach   *machine
}

func (m *loadedModel) Close() {
	m.model.Close()
	if m.stream != nil {
		m.stream.Close()
	}
	m.mach.Close()
	m.file.Close()
}

// loadOptions are how a command loads a model.
type loadOptions struct {
	threads int
	limits  string // --memory-limit
	plan    planOptions
}

// loadModel opens path, plans its placement on this machine's devices
// within the memory limits, and loads it as planned: every allocation is
// charged to the device's budget, and the parts the plan streams are paged
// from the file layer by layer.
func loadModel(ctx context.Context, io stdio, log *slog.Logger, path string, lo loadOptions) (*loadedModel, error) {
	// The file first: a missing one is reported before a calibration.
	if err := checkLimits(lo.limits); err != nil {
		return nil, err
	}
	f, err := openModel(path)
	if err != nil {
		return nil, err
	}
	mach, err := probe(ctx, io, log, lo.threads, lo.limits, false)
	if err != nil {
		f.Close()
		return nil, err
	}
	lm, err := mach.load(path, f, lo, log)
	if err != nil {
		mach.Close()
		f.Close()
		return nil, err
	}
	return lm, nil
}

// openModel opens a GGUF file that holds a model to run.
func openModel(path string) (*gguf.File, error) {
	f, err := openGGUF(path)
	if err != nil {
		return nil, err
	}
	if arch, _ := f.String("general.architecture"); model.Supported(arch) && len(f.Tensors) == 0 {
		f.Close()
		return nil, inFile(path, errors.New("no tensors: a vocabulary-only file has nothing to run"))
	}
	if _, err := model.ReadConfig(f); err != nil {
		f.Close()
		return nil, inFile(path, err)
	}
	return f, nil
}

func (m *machine) load(path string, f *gguf.File, lo loadOptions, log *slog.Logger) (*loadedModel, error) {
	p, err := m.makePlan(path, f, lo.plan, log)
	if err != nil {
		return nil, noFit(path, p, m.limits, err)
	}
	// Free memory is read again at the load: what changed since the plan
	// (the disk measurement, another process) changes the plan.
	devs, err := m.devices()
	if err != nil {
		return nil, err
	}
	if len(p.Devices) < len(devs) {
		devs = hostOnly(devs) // makePlan left the GPUs out
	}
	p, line, err := p.Replan(devs)
	if line != "" {
		log.Info(line)
	}
	if err != nil {
		return nil, noFit(path, p, m.limits, err)
	}
	if streamsOffHost(p) {
		q, _, err := p.Replan(hostOnly(devs))
		log.Info(offHostMsg, "was", p.Summary())
		if err != nil {
			return nil, noFit(path, q, m.limits, err)
		}
		p = q
	}

	// Each device's allocations are charged to its budget.
	devices := map[string]backend.Device{}
	accts := map[string]*budget.Accountant{}
	for i := range p.Devices {
		d := &p.Devices[i]
		limit := plan.Budget(d, p.Options)
		for _, u := range p.Use {
			if u.Device == d.Name {
				limit = u.Budget
			}
		}
		accts[d.Name] = budget.New(d.Name, limit)
		devices[d.Name] = budget.Wrap(m.backends[d.Name], accts[d.Name])
	}
	host := m.usable[0].Name
	base, acct := devices[host], accts[host]
	lm := &loadedModel{file: f, plan: p, acct: acct, mach: m}
	if parts := p.StreamedParts(); len(parts) > 0 || p.Embed.Streamed {
		view, err := budget.As(base, budget.Streamed)
		if err != nil {
			return nil, err
		}
		mapper, ok := view.(backend.HostMapper)
		if !ok {
			return nil, fmt.Errorf("the %s backend cannot map weights in place, which streaming needs", host)
		}
		regions, err := stream.Regions(f, len(p.Layers), parts)
		if err != nil {
			return nil, inFile(path, err)
		}
		lm.pages = stream.New(regions, acct)
		// A prefetch goroutine only helps with a core the kernels leave free.
		lm.pages.Overlap = lo.threads > 0 && lo.threads < runtime.NumCPU()
		sd, err := stream.NewDevice(base, lm.pages, mapper)
		if err != nil {
			return nil, err
		}
		if p.Embed.Streamed {
			if t, ok := f.Tensor("token_embd.weight"); ok {
				sd.AddLazy(f.Data(t))
			}
		}
		lm.stream, devices[host] = sd, sd
	}
	mp, err := p.ModelPlacement(devices)
	if err == nil {
		lm.model, err = model.Load(f, mp)
	}
	if err != nil {
		if lm.stream != nil {
			lm.stream.Close()
		}
		return nil, inFile(path, err)
	}
	return lm, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
