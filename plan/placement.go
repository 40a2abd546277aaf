package plan

import (
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/model"
)

// ModelPlacement turns the chosen candidate into the loader's placement,
// given the backend device of each device name (budget.Wrap'd ones, so
// every allocation is charged). Streamed parts are placed on their device
// like resident ones; the caller pages them with package stream
// (StreamedParts says which).
func (p *Plan) ModelPlacement(devs map[string]backend.Device) (model.Placement, error) {
	if p.Candidate == nil {
		return model.Placement{}, fmt.Errorf("plan: %s: no placement was chosen", p.Model)
	}
	get := func(a Assign) (backend.Device, error) {
		d, ok := devs[a.Device]
		if !ok || d == nil {
			return nil, fmt.Errorf("plan: no backend for device %s", a.Device)
		}
		return d, nil
	}
	var mp model.Placement
	var err error
	if mp.Embed, err = get(p.Embed); err != nil {
		return model.Placement{}, err
	}
	if mp.Output, err = get(p.Output); err != nil {
		return model.Placement{}, err
	}
	mp.Layers = make([]backend.Device, len(p.Layers))
	for i, a := range p.Layers {
		if mp.Layers[i], err = get(a); err != nil {
			return model.Placement{}, err
		}
	}
	return mp, nil
}

// StreamedParts lists the parts whose weights are streamed: layer indexes,
// and len(Layers) for the output head.
func (p *Plan) StreamedParts() []int {
	if p.Candidate == nil {
		return nil
	}
	var s []int
	for i, a := range p.Layers {
		if a.Streamed {
			s = append(s, i)
		}
	}
	if p.Output.Streamed {
		s = append(s, len(p.Layers))
	}
	return s
}
