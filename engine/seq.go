package engine

import (
	"context"
	"time"

	"github.com/tern-llm/tern/sample"
)

// seq is one request's sequence as the scheduler tracks it.
type seq struct {
	id      uint64
	req     *Request
	ctx     context.Context
	stream  *Stream
	sampler *sample.Sampler

	tokens   []int32  // prompt, then generated tokens
	prompt   int      // prompt length
	computed int      // tokens whose keys and values are in the cache
	blocks   []int32  // block table
	keys     []uint64 // prefix keys of the full blocks published so far

	arrived, firstToken, lastToken time.Time
	preemptions                    int
	cachedTokens                   int // prompt tokens found in the prefix cache
}

// generated is the number of tokens sampled so far.
func (s *seq) generated() int { return len(s.tokens) - s.prompt }

// pending is the number of tokens whose keys and values are not yet computed.
func (s *seq) pending() int { return len(s.tokens) - s.computed }
