package backend

// Stepper is implemented by devices that can record the ops of a forward
// step once and replay the recording for later steps of the same shape
// (CUDA graphs), so that a step costs the device one launch instead of one
// per op. Devices without it run every op as it is called.
type Stepper interface {
	// Step runs queue, which queues the ops of one step on this device
	// only: no Download, Sync or op on another device. key names the step's
	// shape (token count, rows of logits, block-table sizes): steps of one
	// key are expected to queue the same ops on the same tensors, with
	// only the values of token ids and batch tables changing. The device
	// may record such a step and replay it for later ones; it checks that
	// queue asked for exactly what was recorded and otherwise runs the ops
	// one by one, so a wrong key costs speed, never correctness. Errors
	// are queue's, or the device's.
	Step(key string, queue func() error) error
}
