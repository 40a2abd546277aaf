package model_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/internal/testmodel"
	"github.com/tern-llm/tern/quant"
)

// topkCPU is the CPU with a host-side backend.TopKer and a Stepper that
// records its keys, standing in for a GPU: it checks that the selection is
// queued inside the step and returns what a full sort would.
type topkCPU struct {
	backend.Device
	max       int
	keys      []string
	inStep    bool
	topk, out int // TopK calls in a step and outside one
	lastK     int
	lastRows  int
}

func (d *topkCPU) MaxTopK() int { return d.max }

func (d *topkCPU) Step(key string, queue func() error) error {
	d.keys = append(d.keys, key)
	d.inStep = true
	defer func() { d.inStep = false }()
	return queue()
}

func (d *topkCPU) TopK(vals, ids, x *backend.Tensor) error {
	k := vals.Cols
	if k < 1 || k > d.max || k > x.Cols {
		return backend.ErrSkip
	}
	if d.inStep {
		d.topk++
	} else {
		d.out++
	}
	d.lastK, d.lastRows = k, x.Rows
	xs := make([]float32, x.Elements())
	if err := d.Download(f32b(xs), x); err != nil {
		return err
	}
	vs, is := make([]float32, x.Rows*k), make([]int32, x.Rows*k)
	for r := range x.Rows {
		v, i := sortedTop(xs[r*x.Cols:(r+1)*x.Cols], k)
		copy(vs[r*k:], v)
		copy(is[r*k:], i)
	}
	if err := d.Upload(vals, f32b(vs)); err != nil {
		return err
	}
	return d.Upload(ids, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(is))), 4*len(is)))
}

func f32b(v []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
}

// sortedTop is the plain reference: the k best of row by a stable sort,
// larger first, the lower id first among equals.
func sortedTop(row []float32, k int) ([]float32, []int32) {
	ids := make([]int32, len(row))
	for i := range ids {
		ids[i] = int32(i)
	}
	slices.SortStableFunc(ids, func(a, b int32) int {
		switch {
		case row[a] > row[b]:
			return -1
		case row[a] < row[b]:
			return 1
		}
		return 0
	})
	vals := make([]float32, k)
	for i, id := range ids[:k] {
		vals[i] = row[id]
	}
	return vals, ids[:k]
}

// TestForwardTopK runs steps of two sequences (prefill, then decode) with
// Forward and again with ForwardTopK for several k, and checks the
// candidates against a sort of Forward's logits, the step key, and that
// the selection ran inside the step.
func TestForwardTopK(t *testing.T) {
	dev := &topkCPU{Device: cpu.New(1), max: 64}
	_, m := testmodel.Load(t, dev, "stories260K", "stories260K-f32.gguf")
	if got := m.MaxTopK(); got != 64 {
		t.Errorf("MaxTopK %d, want the device's 64", got)
	}
	kv, err := m.NewCache(8, 16, quant.F32)
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Free()
	ctx := context.Background()
	prompts := [][]int32{{1, 403, 407, 261, 378}, {1, 76, 9}}
	tables := [][]int32{{0, 1, 2}, {3, 4, 5}}
	pos := []int{0, 0}
	var vals []float32
	var ids []int32
	for step := range 4 {
		// step 0: both prompts; later: one token each
		b := &backend.Batch{Tables: tables, BlockSize: 16}
		var tokens []int32
		var want []int
		for s, p := range prompts {
			if step > 0 {
				p = []int32{int32(17 + 31*step + s)}
			}
			for _, id := range p {
				tokens = append(tokens, id)
				b.Pos = append(b.Pos, int32(pos[s]))
				b.Seq = append(b.Seq, int32(s))
				b.Slots = append(b.Slots, int32(b.Row(s, pos[s])))
				pos[s]++
			}
			want = append(want, len(tokens)-1)
		}
		logits, err := m.Forward(ctx, kv, tokens, b, want, nil)
		if err != nil {
			t.Fatal(err)
		}
		vocab := m.Vocab()
		for _, k := range []int{1, 3, 5, 64} {
			kq := 1 // the device selects a power of two, then rows keep k
			for kq < k {
				kq *= 2
			}
			// the same step again: it writes the same keys and values
			dev.topk, dev.out = 0, 0
			vals, ids, err = m.ForwardTopK(ctx, kv, tokens, b, want, k, vals, ids)
			if err != nil {
				t.Fatal(err)
			}
			if dev.topk != 1 || dev.out != 0 || dev.lastK != kq || dev.lastRows != len(want) {
				t.Errorf("step %d, top %d: %d selections in the step (of %d rows, k %d, want %d), %d outside", step, k, dev.topk, dev.lastRows, dev.lastK, kq, dev.out)
			}
			if key := dev.keys[len(dev.keys)-1]; !strings.HasSuffix(key, fmt.Sprintf("/top%d", kq)) {
				t.Errorf("step key %q does not name the top %d", key, kq)
			}
			if len(vals) != len(want)*k || len(ids) != len(want)*k {
				t.Fatalf("step %d, top %d: %d values and %d ids for %d rows", step, k, len(vals), len(ids), len(want))
			}
			for r := range want {
				wv, wi := sortedTop(logits[r*vocab:(r+1)*vocab], k)
				if !slices.Equal(vals[r*k:(r+1)*k], wv) || !slices.Equal(ids[r*k:(r+1)*k], wi) {
					t.Errorf("step %d, top %d, row %d: %v %v, want %v %v", step, k, r, vals[r*k : (r+1)*k][:min(k, 5)], ids[r*k : (r+1)*k][:min(k, 5)], wv[:min(k, 5)], wi[:min(k, 5)])
				}
			}
		}
	}
	for _, k := range []int{0, 65} {
		keys := len(dev.keys)
		if _, _, err := m.ForwardTopK(ctx, kv, []int32{5}, &backend.Batch{Pos: []int32{9}, Seq: []int32{0}, Slots: []int32{9}, Tables: tables[:1], BlockSize: 16}, []int{0}, k, nil, nil); !errors.Is(err, backend.ErrSkip) {
			t.Errorf("top %d: %v, want ErrSkip", k, err)
		}
		if len(dev.keys) != keys {
			t.Errorf("top %d declined after running a step", k)
		}
	}
	if _, _, err := m.ForwardTopK(ctx, kv, []int32{5}, &backend.Batch{Pos: []int32{9}, Seq: []int32{0}, Slots: []int32{9}, Tables: tables[:1], BlockSize: 16}, []int{1}, 1, nil, nil); err == nil {
		t.Error("row 1 of a 1-token step accepted")
	}
}

// TestMaxTopK: the model bounds what a device offers to the k worth
// selecting there, and a device without TopKer offers nothing.
func TestMaxTopK(t *testing.T) {
	for _, tc := range []struct{ device, want int }{{1024, 64}, {16, 16}} {
		_, m := testmodel.Load(t, &topkCPU{Device: cpu.New(1), max: tc.device}, "stories260K", "stories260K-f32.gguf")
		if got := m.MaxTopK(); got != tc.want {
			t.Errorf("MaxTopK %d on a device selecting %d, want %d", got, tc.device, tc.want)
		}
	}
	plain := loadModel(t, "stories260K", "stories260K-f32.gguf")
	if got := plain.MaxTopK(); got != 0 {
		t.Errorf("MaxTopK on the plain CPU %d, want 0", got)
	}
	s, err := plain.NewSequence(16)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	if _, _, err := s.AppendTopK(context.Background(), []int32{1, 5}, 0, 1, nil, nil); !errors.Is(err, backend.ErrSkip) {
		t.Errorf("AppendTopK on the plain CPU: %v, want ErrSkip", err)
	}
	if s.Len() != 0 {
		t.Errorf("a declined AppendTopK appended %d tokens", s.Len())
	}
}

// TestAppendTopK decodes greedily with Append and with AppendTopK (the
// prompt in chunks of 3 in both) and compares the candidates with a sort of the
// logits at every step.
func TestAppendTopK(t *testing.T) {
	dev := &topkCPU{Device: cpu.New(1), max: 16}
	_, m := testmodel.Load(t, dev, "stories260K", "stories260K-f32.gguf")
	ctx := context.Background()
	full, err := m.NewSequence(64)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Free()
	top, err := m.NewSequence(64)
	if err != nil {
		t.Fatal(err)
	}
	defer top.Free()
	const k = 7
	next := []int32{1, 403, 407, 261, 378, 9, 76}
	var vals []float32
	var ids []int32
	for step := range 12 {
		logits, err := full.Append(ctx, next, 3)
		if err != nil {
			t.Fatal(err)
		}
		if vals, ids, err = top.AppendTopK(ctx, next, 3, k, vals, ids); err != nil {
			t.Fatal(err)
		}
		wv, wi := sortedTop(logits, k)
		if !slices.Equal(vals, wv) || !slices.Equal(ids, wi) {
			t.Fatalf("step %d: %v %v, want %v %v", step, vals, ids, wv, wi)
		}
		if math.IsNaN(float64(vals[0])) || top.Len() != full.Len() {
			t.Fatalf("step %d: best %v, lengths %d and %d", step, vals[0], top.Len(), full.Len())
		}
		next = []int32{ids[0]}
	}
}
