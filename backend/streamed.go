package backend

import "github.com/tern-llm/tern/quant"

// StreamMapper is implemented by host devices that keep copies derived
// from mapped weights (the CPU repacks Q4_0 into an interleaved layout).
// MapStreamed maps weights whose pages the caller releases after each use
// (streamed layers): the device keeps nothing derived from them beyond
// the op that reads them, so that releasing the pages releases the
// memory and the weights stay inside the streaming budget.
type StreamMapper interface {
	MapStreamed(t quant.Type, rows, cols int, data []byte) (*Tensor, error)
}
