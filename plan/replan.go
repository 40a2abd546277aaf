package plan

import (
	"fmt"
	"strings"
)

// Replan plans the same model and request again on devices read now (free
// memory changes as other processes come and go: call it at every model
// load and before the KV cache grows). It returns the new plan and a line
// for the log saying what changed, empty when nothing did.
func (p *Plan) Replan(devs []Device) (*Plan, string, error) {
	if p.needs == nil {
		return nil, "", fmt.Errorf("plan: %s: a plan not made by Make cannot be re-planned", p.Model)
	}
	q, err := Make(p.needs, devs, p.Options)
	if err != nil {
		return q, fmt.Sprintf("re-plan of %s: %v", p.Model, err), err
	}
	return q, describeChange(p, q), nil
}

// describeChange writes what differs between two plans of one model.
func describeChange(old, new *Plan) string {
	var mem []string
	for i := range new.Devices {
		d := &new.Devices[i]
		if o, ok := old.Device(d.Name); ok && !near(float64(o.Free), float64(d.Free), 0.01) {
			mem = append(mem, fmt.Sprintf("%s free %s → %s", d.Name, formatSize(o.Free), formatSize(d.Free)))
		}
	}
	var what []string
	if old.Candidate == nil || new.Candidate == nil {
		return ""
	}
	if old.Name != new.Name || old.Embed != new.Embed {
		what = append(what, fmt.Sprintf("%s → %s", old.Name, new.Name))
	}
	if old.Context != new.Context {
		what = append(what, fmt.Sprintf("context %d → %d", old.Context, new.Context))
	}
	if old.PrefillChunk != new.PrefillChunk {
		what = append(what, fmt.Sprintf("prefill chunk %d → %d", old.PrefillChunk, new.PrefillChunk))
	}
	if len(what) == 0 {
		return ""
	}
	what = append(what, fmt.Sprintf("decode %s → %s tok/s", rate(old.Decode), rate(new.Decode)))
	s := "re-plan of " + new.Model + ": " + strings.Join(what, "; ")
	if len(mem) > 0 {
		s += " (" + strings.Join(mem, ", ") + ")"
	}
	return s
}
