package model

import (
	"context"
	"fmt"
	"math"
	"math/bits"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// The best logits of a step instead of all of them. A sampler that needs
// only a row's k best logits (greedy decoding, top-k; see package sample's
// Candidates) gets them selected on the output device (backend.TopKer), in
// the step that computes them, and copies k values and ids per row to the
// host instead of the whole vocabulary.

// maxSelectK bounds the k that ForwardTopK has a device select: past it
// the selection costs about what copying the logits and scanning them on
// the host does. (H100, 1.1B Q4_0, 32000 logits: the argmax takes 6 µs,
// the top 64 20 µs, the top 256 42 µs; decoding greedily ran 4% faster
// than with the logits downloaded, at top-k 40 (the top 64 selected) 7 to
// 12% faster, and with the top 128 of a sampler under a repeat penalty 3%
// slower.)
const maxSelectK = 64

// MaxTopK is the largest k ForwardTopK serves: what the output device
// selects, at most the vocabulary and maxSelectK. It is 0 when the output
// device has no backend.TopKer (the CPU) or declines every k; callers then
// use Forward.
func (m *Model) MaxTopK() int {
	tk, ok := m.Place.Output.(backend.TopKer)
	if !ok {
		return 0
	}
	return max(min(tk.MaxTopK(), m.Config.Vocab, maxSelectK), 0)
}

// Vocab is the number of logits of a row.
func (m *Model) Vocab() int { return m.Config.Vocab }

// ForwardTopK runs a step as Forward does, but returns for each wanted row
// its k largest logits, best first (equal logits: the lower token id
// first; NaN after the numbers), in vals, and their token ids in ids:
// len(want)×k of each, in storage reused from vals and ids when large
// enough. The selection is queued on the output device after the step's
// ops, inside the recorded step where the device records steps. It returns
// an error wrapping backend.ErrSkip, having run nothing, when k is outside
// 1…MaxTopK().
func (m *Model) ForwardTopK(ctx context.Context, kv *Cache, tokens []int32, b *backend.Batch, want []int, k int, vals []float32, ids []int32) ([]float32, []int32, error) {
	if err := m.checkStep(kv, tokens, b, want); err != nil {
		return nil, nil, err
	}
	d := m.Place.Output
	if k < 1 || k > m.MaxTopK() {
		return nil, nil, fmt.Errorf("model: top %d of %d logits on %s (at most %d): %w", k, m.Config.Vocab, d.Name(), m.MaxTopK(), backend.ErrSkip)
	}
	rows := len(want)
	if rows == 0 {
		_, err := m.Forward(ctx, kv, tokens, b, nil, nil)
		return vals[:0], ids[:0], err
	}
	tk := d.(backend.TopKer) // MaxTopK found it
	// The device selects kq ≥ k, a power of two, so that steps whose k
	// differs a little (penalties add the tokens they touch) share one
	// recorded step; each row's first k of them are the k best.
	kq := min(1<<bits.Len(uint(k-1)), m.MaxTopK())
	var res *backend.Tensor
	queue := func() error {
		out, err := m.queue(ctx, kv, tokens, b, want)
		if err != nil {
			return err
		}
		v, i, all, err := m.topTensors(d, rows, kq)
		if err != nil {
			return err
		}
		if err := tk.TopK(v, i, out); err != nil {
			return err
		}
		res = all
		return nil
	}
	var err error
	if st, ok := m.stepper(); ok {
		err = st.Step(fmt.Sprintf("%s/top%d", stepKey(kv, len(tokens), rows, b), kq), queue)
	} else {
		err = queue()
	}
	if err != nil {
		return nil, nil, err
	}
	// One download: the values, then the ids' bits; each row keeps its
	// first k.
	nq := rows * kq
	buf := vals
	if cap(buf) < 2*nq {
		buf = make([]float32, 2*nq)
	}
	buf = buf[:2*nq]
	if err := d.Download(f32Bytes(buf), res); err != nil {
		return nil, nil, err
	}
	if cap(ids) < rows*k {
		ids = make([]int32, rows*k)
	}
	ids = ids[:rows*k]
	for r := range rows {
		for j := range k {
			ids[r*k+j] = int32(math.Float32bits(buf[nq+r*kq+j]))
		}
		copy(buf[r*k:(r+1)*k], buf[r*kq:r*kq+k]) // r·k ≤ r·kq: moves down
	}
	return buf[:rows*k], ids, nil
}

// topTensors returns views of the output device's result buffer for rows×k
// candidates: the values (F32), the ids (I32) right after them, and both
// as one F32 row to download. The buffer is kept across steps (a recorded
// step names its address) and grows when short.
func (m *Model) topTensors(d backend.Device, rows, k int) (vals, ids, all *backend.Tensor, err error) {
	a := m.scratch[d] // made by output, which ran first
	n := rows * k
	if a.top == nil || a.top.Cols < 2*n {
		size := 2 * n
		if a.top != nil {
			size = max(size, 2*a.top.Cols)
			d.Free(a.top)
			a.top = nil
		}
		t, err := d.Alloc(quant.F32, 1, size)
		if err != nil {
			return nil, nil, nil, err
		}
		a.top = t
	}
	t := a.top
	if vals, err = backend.NewTensor(t.Buf, t.Off, quant.F32, rows, k); err != nil {
		return nil, nil, nil, err
	}
	if ids, err = backend.NewTensor(t.Buf, t.Off+4*n, quant.I32, rows, k); err != nil {
		return nil, nil, nil, err
	}
	if all, err = backend.NewTensor(t.Buf, t.Off, quant.F32, 1, 2*n); err != nil {
		return nil, nil, nil, err
	}
	return vals, ids, all, nil
}

// AppendTopK is Append for a sampler that needs only the k best logits
// after the last token (ForwardTopK): it returns them, best first, and
// their token ids, in storage reused from vals and ids when large enough.
// It returns an error wrapping backend.ErrSkip, having run nothing, when k
// is outside 1…MaxTopK() of the model.
func (s *Sequence) AppendTopK(ctx context.Context, tokens []int32, chunk, k int, vals []float32, ids []int32) ([]float32, []int32, error) {
	if err := s.check(tokens); err != nil {
		return nil, nil, err
	}
	if mx := s.m.MaxTopK(); k < 1 || k > mx {
		return nil, nil, fmt.Errorf("model: top %d of the logits (at most %d): %w", k, mx, backend.ErrSkip)
	}
	err := s.feed(ctx, tokens, chunk, func(last []int32, b *backend.Batch) error {
		var err error
		s.want[0] = len(last) - 1
		vals, ids, err = s.m.ForwardTopK(ctx, s.kv, last, b, s.want[:], k, vals, ids)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return vals, ids, nil
}
