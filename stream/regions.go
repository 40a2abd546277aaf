package stream

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tern-llm/tern/gguf"
)

// Regions collects the tensor data (slices of f's mapping) of the given
// parts of a model: part i < layers is block i (tensors "blk.i.*"), part
// layers is the output head (output.weight and output_norm.weight). The
// result is New's input.
func Regions(f *gguf.File, layers int, parts []int) (map[int][][]byte, error) {
	want := map[int]bool{}
	for _, p := range parts {
		if p < 0 || p > layers {
			return nil, fmt.Errorf("stream: part %d of a %d-layer model", p, layers)
		}
		want[p] = true
	}
	out := map[int][][]byte{}
	for i := range f.Tensors {
		t := &f.Tensors[i]
		part := -1
		switch {
		case t.Name == "output.weight" || t.Name == "output_norm.weight":
			part = layers
		case strings.HasPrefix(t.Name, "blk."):
			num, _, ok := strings.Cut(strings.TrimPrefix(t.Name, "blk."), ".")
			n, err := strconv.Atoi(num)
			if !ok || err != nil {
				continue
			}
			part = n
		}
		if want[part] {
			out[part] = append(out[part], f.Data(t))
		}
	}
	for p := range want {
		if len(out[p]) == 0 {
			return nil, fmt.Errorf("stream: part %d has no tensors", p)
		}
	}
	return out, nil
}
