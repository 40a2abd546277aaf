package backend

// TopKer is implemented by devices that select the largest values of each
// row of logits where the logits are, so that a sampler that needs only
// the best candidates of a row (greedy decoding, top-k) copies k values
// and k token ids per row to the host instead of the whole vocabulary.
// Devices without it (the CPU, whose logits are already in host memory)
// leave the selection to the caller, which downloads the logits.
type TopKer interface {
	// MaxTopK is the largest k that TopK selects: 0 when it selects none
	// (a wrapper whose inner device lacks TopKer).
	MaxTopK() int

	// TopK sets row i of vals (rows×k, F32) to the k largest values of row
	// i of x (rows×cols, F32), best first, and row i of ids (rows×k, I32)
	// to their columns. Among equal values the lower column comes first;
	// NaN ranks below every number, -Inf included. k is vals.Cols.
	//
	// It is an op like those of Ops: it is queued on the device in order
	// with them, so it may be part of a Stepper's step, and the results are
	// read with Download. It returns an error wrapping ErrSkip, before
	// queuing anything, when k is below 1 or above MaxTopK or x.Cols.
	TopK(vals, ids, x *Tensor) error
}
