package model

import (
	"context"
	"fmt"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// Sequence runs one sequence at a time through a model with a KV cache of
// its own, its blocks laid out in order: the simple path of `tern run` and
// of tests. Serving many sequences goes through the engine instead.
type Sequence struct {
	m      *Model
	kv     *Cache
	table  []int32
	pos    int
	logits []float32
	// batch, tables and want are feed's and Append's step arguments,
	// reused so that a steady stream of one-token steps allocates nothing.
	batch  backend.Batch
	tables [1][]int32
	want   [1]int
}

// NewSequence allocates a cache for up to ctxLen tokens (F32 keys and values).
func (m *Model) NewSequence(ctxLen int) (*Sequence, error) {
	return m.NewSequenceOf(ctxLen, CacheType)
}

// NewSequenceOf is NewSequence with keys and values of type t (F32 or F16).
func (m *Model) NewSequenceOf(ctxLen int, t quant.Type) (*Sequence, error) {
	const blockSize = 16
	if ctxLen <= 0 {
		return nil, fmt.Errorf("model: context length %d", ctxLen)
	}
	blocks := (ctxLen + blockSize - 1) / blockSize
	kv, err := m.NewCache(blocks, blockSize, t)
	if err != nil {
		return nil, err
	}
	s := &Sequence{m: m, kv: kv, table: make([]int32, blocks)}
	for i := range s.table {
		s.table[i] = int32(i)
	}
	return s, nil
}

// CacheType is the element type of Sequence's KV cache: F32 keeps the CPU
// path exact against llama.cpp's F32-cache reference outputs.
const CacheType = quant.F32

// Len is the number of tokens the sequence holds.
func (s *Sequence) Len() int { return s.pos }

// Cap is the most tokens the sequence can hold.
func (s *Sequence) Cap() int { return s.kv.Blocks * s.kv.BlockSize }

// Free releases the sequence's cache.
func (s *Sequence) Free() { s.kv.Free() }

// Reset empties the sequence and keeps its cache: the next Append starts
// at position 0, over the same memory (what llama-bench does between
// repetitions, llama_memory_clear). A device that records steps by their
// shape and cache (backend.Stepper) then replays them.
func (s *Sequence) Reset() { s.pos = 0 }

// Append runs tokens through the model at the next positions, in chunks of
// at most chunk tokens (0: all at once), and returns the logits after the
// last one. The returned slice is reused by the next call.
func (s *Sequence) Append(ctx context.Context, tokens []int32, chunk int) ([]float32, error) {
	if err := s.check(tokens); err != nil {
		return nil, err
	}
	err := s.feed(ctx, tokens, chunk, func(last []int32, b *backend.Batch) error {
		s.want[0] = len(last) - 1
		out, err := s.m.Forward(ctx, s.kv, last, b, s.want[:], s.logits)
		if err == nil {
			s.logits = out
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.logits, nil
}

// check validates tokens to be appended: some, and room for them.
func (s *Sequence) check(tokens []int32) error {
	if len(tokens) == 0 {
		return fmt.Errorf("model: no tokens to append")
	}
	if s.pos+len(tokens) > s.Cap() {
		return fmt.Errorf("model: %d tokens do not fit the context of %d (%d used)", len(tokens), s.Cap(), s.pos)
	}
	return nil
}

// feed runs tokens (checked) through the model at the next positions, in
// chunks of at most chunk tokens (0: all at once): every chunk but the last
// wanting no logits, the last through last, which runs the step itself.
func (s *Sequence) feed(ctx context.Context, tokens []int32, chunk int, last func(tokens []int32, b *backend.Batch) error) error {
	if chunk <= 0 {
		chunk = len(tokens)
	}
	for len(tokens) > 0 {
		n := min(chunk, len(tokens))
		b := s.step(n)
		for i := range n {
			b.Pos[i] = int32(s.pos + i)
			b.Slots[i] = int32(b.Row(0, s.pos+i))
		}
		var err error
		if n == len(tokens) {
			err = last(tokens, b)
		} else {
			_, err = s.m.Forward(ctx, s.kv, tokens[:n], b, nil, nil)
		}
		if err != nil {
			return err
		}
		s.pos += n
		tokens = tokens[n:]
	}
	return nil
}

// step returns the sequence's batch for n tokens, its positions and slots
// to be set: the one batch of the sequence, grown when short. Each step's
// ops are done with it before the next step sets it.
func (s *Sequence) step(n int) *backend.Batch {
	b := &s.batch
	if cap(b.Pos) < n {
		b.Pos, b.Seq, b.Slots = make([]int32, n), make([]int32, n), make([]int32, n)
	}
	b.Pos, b.Seq, b.Slots = b.Pos[:n], b.Seq[:n], b.Slots[:n]
	clear(b.Seq) // one sequence: number 0
	s.tables[0] = s.table
	b.Tables, b.BlockSize = s.tables[:], s.kv.BlockSize
	return b
}
