package plan

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/calibrate"
	"github.com/tern-llm/tern/device"
	"github.com/tern-llm/tern/quant"
)

// Budget is what a device may use under o: the smaller of the user's
// limits (its own and the total) and its free memory less the margin
// (o.MarginFraction of its total, at least o.MarginMin).
func Budget(d *Device, o Options) uint64 {
	o = o.withMargins()
	margin := max(uint64(max(o.MarginFraction, 0)*float64(d.Total)), o.MarginMin)
	b := uint64(0)
	if d.Free > margin {
		b = d.Free - margin
	}
	if lim, ok := o.Limits.Device[d.Name]; ok {
		b = min(b, lim)
	}
	if o.Limits.Total > 0 {
		b = min(b, o.Limits.Total)
	}
	return b
}

// FromDevices is the planner's view of discovered devices now: their
// memory read live and their speeds from profiles (by device name; a
// device without one is left out of plans, and says so). The CPU runs
// every format quant has a dot product for. Other devices are given no
// Supports (every format): set it from their backend.
func FromDevices(found []*device.Device, profiles map[string]*calibrate.Profile) ([]Device, error) {
	out := make([]Device, 0, len(found))
	for _, f := range found {
		m, err := f.Memory()
		if err != nil {
			return nil, fmt.Errorf("plan: %s: %w", f.Name, err)
		}
		d := Device{Name: f.Name, Kind: f.Kind, Free: m.Free, Total: m.Total, Speeds: profiles[f.Name]}
		if f.Kind == backend.CPU {
			d.Supports = CPUSupports
		}
		out = append(out, d)
	}
	return out, nil
}

// CPUSupports reports whether the CPU backend has a kernel for weights of
// type t: those quant has a dot product for.
func CPUSupports(t quant.Type) bool {
	_, err := quant.VecDot(t, 0, nil, nil)
	return err == nil
}

// WriteDevices writes `tern devices`: each device with its memory (total,
// free now, the budget o allows) and calibrated figures, then per device
// the throughput of each weight format.
func WriteDevices(w io.Writer, found []*device.Device, profiles map[string]*calibrate.Profile, o Options) error {
	ew := &errWriter{w: w}
	tw := tabwriter.NewWriter(ew, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "device\tkind\tmodel\tcores\tmemory total\tfree now\tbudget\tbandwidth\top latency\tcalibration\n")
	for _, f := range found {
		m, err := f.Memory()
		if err != nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t?\t?\t?\t\t\tmemory: %v\n", f.Name, f.Kind, f.Model, f.Cores, err)
			continue
		}
		d := Device{Name: f.Name, Kind: f.Kind, Free: m.Free, Total: m.Total}
		p := profiles[f.Name]
		bw, lat, cal := "-", "-", "none"
		if p != nil {
			bw = fmt.Sprintf("%.1f GB/s", p.Bandwidth/1e9)
			lat = fmt.Sprintf("%.1f µs", p.OpLatency*1e6)
			cal = "measured"
			if p.Estimated {
				cal = "estimated"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Name, f.Kind, f.Model, f.Cores,
			formatSize(m.Total), formatSize(m.Free), formatSize(Budget(&d, o)), bw, lat, cal)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range found {
		var notes []string
		if len(f.Features) > 0 {
			notes = append(notes, strings.Join(f.Features, " "))
		}
		if f.Compute != "" {
			notes = append(notes, "compute "+f.Compute)
		}
		if m, err := f.Memory(); err == nil && m.CgroupLimit > 0 {
			notes = append(notes, fmt.Sprintf("cgroup limit %s, working set %s", formatSize(m.CgroupLimit), formatSize(m.CgroupWorking)))
		}
		if len(notes) > 0 {
			ew.printf("%s: %s\n", f.Name, strings.Join(notes, "; "))
		}
	}
	for _, f := range found {
		p := profiles[f.Name]
		if p == nil || len(p.MatVec) == 0 {
			continue
		}
		ew.printf("\n%s weight formats (matvec: one token, weight GB/s; matmat: %d tokens, GFLOP/s; convert: source GB/s)\n", f.Name, p.MatMatRows)
		names := make([]string, 0, len(p.MatVec))
		for n := range p.MatVec {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool {
			a, _ := quant.TypeByName(names[i])
			b, _ := quant.TypeByName(names[j])
			return a < b
		})
		tw := tabwriter.NewWriter(ew, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "format\tmatvec\tmatmat\tconvert\t\n")
		for _, n := range names {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t\n", n, p.MatVec[n]/1e9, p.MatMat[n]/1e9, p.Convert[n]/1e9)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if err := writeDecode(ew, f.Name, p); err != nil {
			return err
		}
	}
	return ew.err
}

// writeDecode writes a device's measured decode layers (calibrate.
// LayerCost), when it has them.
func writeDecode(ew *errWriter, name string, p *calibrate.Profile) error {
	if len(p.Decode) == 0 {
		return nil
	}
	ew.printf("\n%s decode and prefill, one layer of each class (decode: steps replayed as graphs, op by op, attention per position; prefill: %d tokens; step: beyond layers and output)\n",
		name, calibrate.PrefillTokens)
	tw := tabwriter.NewWriter(ew, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "class\tformat\tweights\tgraphs µs\teager µs\tattention ns\tstep graphs µs\tstep eager µs\tprefill µs\tprefill step µs\t\n")
	for _, c := range p.Decode {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.0f\t\n", c.Class, c.Format, formatSize(uint64(c.Bytes)),
			c.Graph*1e6, c.Eager*1e6, c.Attn*1e9, c.StepGraph*1e6, c.StepEager*1e6, c.Prefill*1e6, c.PrefillStep*1e6)
	}
	return tw.Flush()
}
