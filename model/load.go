package model

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/gguf"
)

// Placement says which device holds each part of a model. The planner makes
// it; OnDevice makes the trivial one.
type Placement struct {
	Embed  backend.Device   // token embedding table
	Layers []backend.Device // one per transformer block
	Output backend.Device   // final norm and output projection (and their activations)
}

// OnDevice places every part of a model of n layers on d.
func OnDevice(d backend.Device, n int) Placement {
	p := Placement{Embed: d, Output: d, Layers: make([]backend.Device, n)}
	for i := range p.Layers {
		p.Layers[i] = d
	}
	return p
}

// tensorLoader brings GGUF tensors onto devices: in place when the device
// can use host memory (HostMapper), otherwise by allocation and upload.
type tensorLoader struct {
	f      *gguf.File
	loaded []*backend.Tensor // every tensor brought onto a device, mapped or copied: released on failure or Close
}

func (l *tensorLoader) load(d backend.Device, name string, optional bool) (*backend.Tensor, error) {
	t, ok := l.f.Tensor(name)
	if !ok {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("model: tensor %q is missing", name)
	}
	if len(t.Shape) == 0 || len(t.Shape) > 2 {
		return nil, fmt.Errorf("model: tensor %q has shape %v, want a matrix or vector", name, t.Shape)
	}
	rows, cols := t.Rows(), t.Shape[0]
	data := l.f.Data(t)
	var bt *backend.Tensor
	var err error
	if m, ok := d.(backend.HostMapper); ok {
		bt, err = m.Map(t.Type, rows, cols, data)
	} else if bt, err = d.Alloc(t.Type, rows, cols); err == nil {
		err = d.Upload(bt, data)
	}
	if bt != nil {
		// Freeing a mapped tensor copies nothing back; it lets a budgeted
		// device release what the mapping was charged.
		l.loaded = append(l.loaded, bt)
	}
	if err != nil {
		return nil, fmt.Errorf("model: tensor %q to %s: %w", name, d.Name(), err)
	}
	return bt, nil
}

func (l *tensorLoader) release() {
	for _, t := range l.loaded {
		t.Device().Free(t)
	}
	l.loaded = nil
}

// bind fills the *backend.Tensor fields of the struct dst points to with
// the tensors their `gguf:"name[,optional]"` tags name, under prefix.
func bind(dst any, prefix string, get func(name string, optional bool) (*backend.Tensor, error)) error {
	v := reflect.ValueOf(dst).Elem()
	ty := v.Type()
	for i := 0; i < ty.NumField(); i++ {
		tag, ok := ty.Field(i).Tag.Lookup("gguf")
		if !ok {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		t, err := get(prefix+name, opt == "optional")
		if err != nil {
			return err
		}
		v.Field(i).Set(reflect.ValueOf(t))
	}
	return nil
}

// shape is an expected tensor shape, checked after binding.
type shape struct {
	name       string
	t          *backend.Tensor
	rows, cols int
}

func checkShapes(shapes []shape) error {
	for _, s := range shapes {
		if s.t != nil && (s.t.Rows != s.rows || s.t.Cols != s.cols) {
			return fmt.Errorf("model: tensor %q is %d×%d, want %d×%d", s.name, s.t.Rows, s.t.Cols, s.rows, s.cols)
		}
	}
	return nil
}
