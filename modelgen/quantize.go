package modelgen

import (
	"context"
	"fmt"
	"io"

	"github.com/tern-llm/tern/gguf"
	"github.com/tern-llm/tern/quant"
)

// QuantizeOptions configures Quantize.
type QuantizeOptions struct {
	Plan
	// Threads is how many goroutines convert rows (0: one per CPU).
	Threads int
	// Progress, when set, is called as each tensor begins.
	Progress func(Progress)
}

// Quantize writes in with its weight matrices converted to the plan's
// types, and its metadata copied with general.file_type and
// general.quantization_version set, to w as a GGUF file, and returns the
// number of bytes written. Tensors whose type does not change are copied as
// they are; the others are expanded to float32 and quantized again, row
// block by row block, on several goroutines. in must stay open until
// Quantize returns.
func Quantize(ctx context.Context, w io.Writer, in *gguf.File, o QuantizeOptions) (int64, error) {
	gw, err := o.writer(ctx, in)
	if err != nil {
		return 0, err
	}
	return gw.WriteTo(w)
}

func (o *QuantizeOptions) writer(ctx context.Context, in *gguf.File) (*gguf.Writer, error) {
	if !isTarget(o.Target) {
		return nil, fmt.Errorf("modelgen: %s is not a type models can be written in", o.Target)
	}
	for name, t := range o.Override {
		if !isTarget(t) {
			return nil, fmt.Errorf("modelgen: tensor %q: %s is not a type models can be written in", name, t)
		}
		if _, ok := in.Tensor(name); !ok {
			return nil, fmt.Errorf("modelgen: type override for tensor %q, which the file does not have", name)
		}
	}
	gw := gguf.NewWriter()
	if err := gw.CopyMetadata(in); err != nil {
		return nil, fmt.Errorf("modelgen: %w", err)
	}
	names := make([]string, len(in.Tensors))
	for i := range in.Tensors {
		names[i] = in.Tensors[i].Name
	}
	o.learn(names)
	if err := gw.Set("general.file_type", o.Plan.FileType()); err != nil {
		return nil, fmt.Errorf("modelgen: %w", err)
	}
	if err := gw.Set("general.quantization_version", uint32(QuantizationVersion)); err != nil {
		return nil, fmt.Errorf("modelgen: %w", err)
	}
	workers := workerCount(o.Threads)
	for i := range in.Tensors {
		t := &in.Tensors[i]
		c := o.Choose(t.Name, t.Shape, t.Type)
		size, err := gguf.DataSize(c.Type, t.Shape)
		if err != nil {
			return nil, fmt.Errorf("modelgen: tensor %q: %w", t.Name, err)
		}
		p := Progress{Index: i, Count: len(in.Tensors), Name: t.Name, Shape: t.Shape, From: t.Type, To: c.Type, Fallback: c.Fallback, Bytes: size}
		var data func(io.Writer) error
		if c.Type == t.Type {
			data = func(out io.Writer) error {
				_, err := out.Write(in.Data(t))
				return err
			}
		} else {
			if !quant.Supported(t.Type) {
				return nil, fmt.Errorf("modelgen: tensor %q: cannot convert from %s, which has no dequantizer", t.Name, t.Type)
			}
			rc := rowConv{from: t.Type, to: c.Type, rowLen: t.Shape[0], src: in.Data(t)}
			if rc.srcRowBytes, err = t.Type.RowBytes(rc.rowLen); err != nil {
				return nil, fmt.Errorf("modelgen: tensor %q: %w", t.Name, err)
			}
			if rc.dstRowBytes, err = c.Type.RowBytes(rc.rowLen); err != nil {
				return nil, fmt.Errorf("modelgen: tensor %q: %w", t.Name, err)
			}
			rows := t.Rows()
			data = func(out io.Writer) error {
				return writeRows(ctx, out, rows, rc.dstRowBytes, workers, rc.newState, rc.fill)
			}
		}
		if o.Progress != nil {
			inner := data
			data = func(out io.Writer) error { o.Progress(p); return inner(out) }
		}
		if err := gw.AddTensor(t.Name, c.Type, t.Shape, data); err != nil {
			return nil, fmt.Errorf("modelgen: %w", err)
		}
	}
	return gw, nil
}

// rowConv converts the rows of one tensor from one type to another through
// float32.
type rowConv struct {
	from, to                 quant.Type
	rowLen                   int
	src                      []byte
	srcRowBytes, dstRowBytes int
}

func (c rowConv) newState() []float32 { return make([]float32, c.rowLen) }

func (c rowConv) fill(row []float32, r0 int, dst []byte) error {
	for k := 0; k*c.dstRowBytes < len(dst); k++ {
		s := (r0 + k) * c.srcRowBytes
		if err := quant.Dequantize(c.from, row, c.src[s:s+c.srcRowBytes]); err != nil {
			return err
		}
		if err := quant.Quantize(c.to, dst[k*c.dstRowBytes:(k+1)*c.dstRowBytes], row); err != nil {
			return err
		}
	}
	return nil
}
