package plan

import (
	"fmt"
	"strings"
)

// KVGrowth decides whether a plan's KV cache may put more blocks to use,
// from the devices' free memory read at the moment of asking (it
// implements engine.KVGrower).
//
// A serving engine allocates the cache the plan sized, but a host device
// commits memory only when it is first written, so the cache's blocks
// cost RAM as they are put to use, long after the plan read free memory.
// Before each growth KVGrowth reads free memory again and grants the
// blocks whose memory the host devices holding KV can still give while
// keeping the plan's margin free; when another process has taken the
// memory it grants fewer or none, and says why: the re-plan is a smaller
// KV cache, with requests waiting or preempted, rather than an OOM kill.
// Devices that are not the host committed their share when the cache was
// allocated and are not asked.
type KVGrowth struct {
	Plan      *Plan
	BlockSize int                      // tokens per block
	Devices   func() ([]Device, error) // the devices, read now
}

// GrowKV grants up to want more blocks beyond active ones.
func (g *KVGrowth) GrowKV(active, want int) (int, string) {
	if want <= 0 {
		return 0, ""
	}
	per, err := g.blockBytes()
	if err != nil {
		return 0, err.Error()
	}
	if len(per) == 0 {
		return want, "" // no host device holds KV
	}
	devs, err := g.Devices()
	if err != nil {
		return 0, fmt.Sprintf("reading free memory: %v", err)
	}
	o := g.Plan.Options
	o.Limits = Limits{} // the cache's full size was charged to the budget at its allocation
	granted := want
	var why []string
	for name, bytes := range per {
		i := indexOf(devs, name)
		if i < 0 {
			return 0, fmt.Sprintf("device %s holds KV but was not found", name)
		}
		room := Budget(&devs[i], o)
		n := int(min(room/bytes, uint64(want)))
		if n < want {
			old := "?"
			if d, ok := g.Plan.Device(name); ok {
				old = formatSize(d.Free)
			}
			why = append(why, fmt.Sprintf("%s free %s (at the plan %s) less the margin holds %d more blocks of %s",
				name, formatSize(devs[i].Free), old, n, formatSize(bytes)))
		}
		granted = min(granted, n)
	}
	return granted, strings.Join(why, "; ")
}

// blockBytes is the bytes of one block of the cache on each host device
// holding KV.
func (g *KVGrowth) blockBytes() (map[string]uint64, error) {
	p := g.Plan
	if p.Candidate == nil || p.needs == nil {
		return nil, fmt.Errorf("plan: %s: no placement was chosen", p.Model)
	}
	if g.BlockSize <= 0 {
		return nil, fmt.Errorf("plan: KV blocks of %d tokens", g.BlockSize)
	}
	per := map[string]uint64{}
	for i, a := range p.Layers {
		d, ok := p.Device(a.Device)
		if !ok || !d.host() || i >= len(p.needs.Layers) {
			continue
		}
		n, err := p.Options.KVType.RowBytes(p.needs.Layers[i].KVElems)
		if err != nil {
			return nil, fmt.Errorf("plan: KV of layer %d: %w", i, err)
		}
		if n > 0 {
			per[a.Device] += uint64(n) * uint64(g.BlockSize)
		}
	}
	return per, nil
}

func indexOf(devs []Device, name string) int {
	for i := range devs {
		if devs[i].Name == name {
			return i
		}
	}
	return -1
}
