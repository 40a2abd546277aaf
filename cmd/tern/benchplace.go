package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/device"
	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/model"
	"github.com/tern-llm/tern/plan"
)

// benchModel is a model loaded for tern bench at one thread count: on the
// CPU alone, or where tern run would place it when the machine has a GPU.
type benchModel struct {
	m       *model.Model
	threads int
	devices string // the devices its parts are on: "cpu", "cuda0", "cuda0+cpu"
	host    bool   // every part on the CPU: -probe's host bandwidth applies
	// the rooflines of generation and prompts (0: none) and what they
	// are made of
	tgRoof, ppRoof float64
	tgNote, ppNote string
	// the plan's predicted generation and prompt speeds (0: no plan)
	predTG, predPP float64
	close          func()
}

// loadBench loads the model for thread count t: on the CPU alone with
// -device cpu or where discovery finds no NVIDIA GPU (the CPU's calibration
// for the rooflines unless -no-roofline), and otherwise as tern run does,
// planned on this machine's calibrated devices, the rooflines summing each
// part's bytes (flops) over its device's calibrated rate.
func loadBench(ctx context.Context, io stdio, log *slog.Logger, o benchOptions, f *gguf.File, c *model.Config, w weights, t int) (*benchModel, error) {
	gpu := false
	if o.device != "cpu" {
		found, err := device.Discover(discovery)
		if err != nil {
			log.Warn("a GPU driver is present but failed; benchmarking the CPU", "err", err)
		}
		gpu = slices.ContainsFunc(found, func(d *device.Device) bool { return d.Kind == backend.CUDA })
	}
	if !gpu {
		dev := cpu.New(t)
		m, err := model.Load(f, model.OnDevice(dev, c.Layers))
		if err != nil {
			return nil, inFile(o.model, err)
		}
		b := &benchModel{m: m, threads: dev.Threads(), devices: "cpu", host: true, close: m.Close}
		if !o.noRoof {
			mach, err := probe(ctx, io, log, t, "", false)
			if err != nil {
				m.Close()
				return nil, err
			}
			prof := mach.profiles[mach.found[0].Name]
			mach.Close()
			b.tgRoof, b.tgNote = roofline("tg", w, prof, b.threads)
			b.ppRoof, b.ppNote = roofline("pp", w, prof, b.threads)
		}
		return b, nil
	}
	mach, err := probe(ctx, io, log, t, "", false)
	if err != nil {
		return nil, err
	}
	lm, err := mach.load(o.model, f, loadOptions{threads: t, plan: planOptions{kvType: o.cacheType}}, log)
	if err != nil {
		mach.Close()
		return nil, err
	}
	b := &benchModel{m: lm.model, threads: t, predTG: lm.plan.Decode, predPP: lm.plan.Prefill}
	b.close = func() {
		lm.model.Close()
		if lm.stream != nil {
			lm.stream.Close()
		}
		mach.Close()
	}
	if cb, ok := mach.backends[mach.found[0].Name].(interface{ Threads() int }); ok {
		b.threads = cb.Threads()
	}
	b.devices, b.host = placedOn(lm.plan.Candidate)
	parts := partsOf(f)
	b.tgRoof, b.tgNote = placedRoofline(lm.plan, parts, mach.profiles, b.threads, "tg", w)
	b.ppRoof, b.ppNote = placedRoofline(lm.plan, parts, mach.profiles, b.threads, "pp", w)
	return b, nil
}

// placedOn names the devices a placement's parts are on, in the order
// they first appear (embedding, layers, output), joined by "+", and
// reports whether all of them are the host CPU.
func placedOn(c *plan.Candidate) (string, bool) {
	var names []string
	for _, a := range slices.Concat([]plan.Assign{c.Embed}, c.Layers, []plan.Assign{c.Output}) {
		if !slices.Contains(names, a.Device) {
			names = append(names, a.Device)
		}
	}
	return strings.Join(names, "+"), len(names) == 1 && names[0] == "cpu"
}

// modelParts are the bytes a decoded token reads and the flops it takes,
// per part of a placement: the embedding (one row), each layer, the output.
type modelParts struct {
	embed, output int64
	layers        []int64
	outputFlops   int64
	layerFlops    []int64
}

// partsOf splits what a decoded token reads (and the flops of the matrices
// it multiplies by) by placement part: one row of the embedding table; the
// tensors named blk.N.* for layer N; output.weight (or, tied, the whole
// embedding table) and every other tensor for the output.
func partsOf(f *gguf.File) modelParts {
	var p modelParts
	tied := !slices.ContainsFunc(f.Tensors, func(t gguf.Tensor) bool { return t.Name == "output.weight" })
	for i := range f.Tensors {
		t := &f.Tensors[i]
		flops := int64(0)
		if len(t.Shape) == 2 {
			flops = 2 * int64(t.Elements())
		}
		switch {
		case t.Name == "token_embd.weight":
			p.embed += t.Size / int64(max(t.Rows(), 1))
			if tied {
				p.output += t.Size
				p.outputFlops += flops
			}
		default:
			var n int
			if _, err := fmt.Sscanf(t.Name, "blk.%d.", &n); err != nil || n < 0 || n > 1<<16 {
				p.output += t.Size // output.weight, output_norm.weight and the rest
				p.outputFlops += flops
				continue
			}
			for len(p.layers) <= n {
				p.layers = append(p.layers, 0)
				p.layerFlops = append(p.layerFlops, 0)
			}
			p.layers[n] += t.Size
			p.layerFlops[n] += flops
		}
	}
	return p
}

// placedRoofline is the roofline of test ("tg", "pp") for the plan's
// placement: a token's time is the sum over its parts of their bytes over
// their device's calibrated bandwidth (a streamed part's over the disk's
// read rate) for generation, of their flops over the device's matrix rate
// for the main weight format for prompts. 0 when a rate is missing, and
// for prompts with a part on a GPU, whose calibration times products of 32
// tokens, not its tensor cores' peak (bench/cuda.md has that, from
// BenchmarkMMA).
func placedRoofline(p *plan.Plan, parts modelParts, profiles map[string]*calibrate.Profile, threads int, test string, w weights) (float64, string) {
	type share struct {
		amount, rate float64
	}
	byDev := map[string]*share{}
	var order []string
	add := func(a plan.Assign, bytes, flops int64) bool {
		key := a.Device
		if a.Streamed {
			key = "disk"
		}
		s := byDev[key]
		if s == nil {
			s = &share{}
			switch prof := profiles[a.Device]; {
			case test == "tg" && a.Streamed:
				s.rate = p.Options.DiskRead
			case prof == nil:
			case test == "tg":
				s.rate = prof.Bandwidth
				if b, ok := prof.ByThreads[threads]; ok && prof.Kind == backend.CPU {
					s.rate = b
				}
			case prof.Kind == backend.CPU:
				s.rate = prof.MatMat[w.mainType.String()]
			} // a GPU's calibration times 32-token products, far below its tensor cores' rate on a prompt: no prompt roofline
			byDev[key] = s
			order = append(order, key)
		}
		if test == "tg" {
			s.amount += float64(bytes)
		} else {
			s.amount += float64(flops)
		}
		return s.rate > 0
	}
	ok := add(p.Embed, parts.embed, 0)
	for i, a := range p.Layers {
		if i < len(parts.layers) {
			ok = add(a, parts.layers[i], parts.layerFlops[i]) && ok
		}
	}
	ok = add(p.Output, parts.output, parts.outputFlops) && ok
	if !ok {
		return 0, ""
	}
	var secs float64
	var notes []string
	for _, key := range order {
		s := byDev[key]
		if s.amount == 0 {
			continue
		}
		secs += s.amount / s.rate
		if test == "tg" {
			notes = append(notes, fmt.Sprintf("%s %s at %.1f GB/s", key, byteSize(int64(s.amount)), s.rate/1e9))
		} else {
			notes = append(notes, fmt.Sprintf("%s %.3g GFLOP at %.0f GFLOP/s (%s)", key, s.amount/1e9, s.rate/1e9, w.mainType))
		}
	}
	if secs <= 0 {
		return 0, ""
	}
	return 1 / secs, strings.Join(notes, " + ") + " per token"
}
