package plan

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// ExplainRows is how many candidates Explain lists (the choice always
// among them); the rest are counted.
const ExplainRows = 16

// Explain writes the plan as `tern plan` shows it: the model and request,
// each device's budget, a table of candidates (predicted decode and prefill
// speed, peak memory per device against its budget, whether it fits and
// why not), the choice with its reason, and notes.
func (p *Plan) Explain(w io.Writer) error {
	ew := &errWriter{w: w}
	o := &p.Options
	ew.printf("model %s: context %d × %d sequence(s), KV %s, prefill chunk %d, memory limit %s\n",
		p.Model, o.Context, o.Batch, o.KVType, o.PrefillChunk, o.Limits)
	for i := range p.Devices {
		d := &p.Devices[i]
		ew.printf("device %-6s free %s of %s", d.Name, formatSize(d.Free), formatSize(d.Total))
		if d.Speeds != nil {
			ew.printf(", %.1f GB/s", d.Speeds.Bandwidth/1e9)
			if d.Speeds.Estimated {
				ew.printf(" (estimated)")
			}
		}
		ew.printf("\n")
	}
	rows := append([]*Candidate(nil), p.Candidates...)
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Fits != rows[j].Fits {
			return rows[i].Fits
		}
		return better(rows[i], rows[j])
	})
	shown := rows
	if len(shown) > ExplainRows {
		shown = shown[:ExplainRows]
		if p.Candidate != nil && !contains(shown, p.Candidate) {
			shown = append(shown[:ExplainRows-1], p.Candidate)
		}
	}
	tw := tabwriter.NewWriter(ew, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\n\tcandidate\tdecode tok/s\tprefill tok/s\tload s\tKV\tchunk\tpeak memory / budget\tfits\n")
	for _, c := range shown {
		mark := ""
		if c == p.Candidate {
			mark = "*"
		}
		var mem []string
		for _, u := range c.Use {
			mem = append(mem, fmt.Sprintf("%s %s/%s", u.Device, formatSize(u.Peak()), formatSize(u.Budget)))
		}
		fits := "yes"
		if !c.Fits {
			fits = "no: " + c.Why
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%d\t%d\t%s\t%s\n", mark, c.Name, rate(c.Decode), rate(c.Prefill), c.Load, c.Context, c.PrefillChunk, strings.Join(mem, ", "), fits)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := len(rows) - len(shown); n > 0 {
		fit := 0
		for _, c := range rows {
			if c.Fits && !contains(shown, c) {
				fit++
			}
		}
		ew.printf("  … %d more candidates (%d of them fit)\n", n, fit)
	}
	if p.Candidate != nil {
		ew.printf("\nchoice: %s — %s\n", p.Candidate.Name, p.Reason)
		ew.printf("predicted: decode %s tok/s, prefill %s tok/s", rate(p.Decode), rate(p.Prefill))
		for _, u := range p.Use {
			ew.printf("; %s peak %s (weights %s, KV %s, scratch %s, stream window %s)",
				u.Device, formatSize(u.Peak()), formatSize(u.Weights), formatSize(u.KV), formatSize(u.Scratch), formatSize(u.Window))
		}
		ew.printf("\n")
		if p.Candidate.Graph {
			ew.printf("decode steps: one graph on %s, the embedding there too (its measured graph costs)\n", p.Candidate.Embed.Device)
		}
	} else {
		ew.printf("\nno candidate fits\n")
	}
	for _, n := range p.Notes {
		ew.printf("note: %s\n", n)
	}
	return ew.err
}

// Summary is the choice in one line, for logs (a re-plan logs the old and
// the new).
func (p *Plan) Summary() string {
	if p.Candidate == nil {
		return fmt.Sprintf("%s: no placement fits", p.Model)
	}
	var mem []string
	for _, u := range p.Use {
		mem = append(mem, fmt.Sprintf("%s %s/%s", u.Device, formatSize(u.Peak()), formatSize(u.Budget)))
	}
	return fmt.Sprintf("%s: %s, context %d, prefill chunk %d, decode %s tok/s, prefill %s tok/s, %s",
		p.Model, p.Name, p.Context, p.PrefillChunk, rate(p.Decode), rate(p.Prefill), strings.Join(mem, ", "))
}

// rate writes a speed with three significant digits ("0.312", "41.5", "1240").
func rate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	case r >= 1:
		return fmt.Sprintf("%.2f", r)
	}
	return fmt.Sprintf("%.3f", r)
}

func contains(cs []*Candidate, c *Candidate) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
