// Package budget is the per-device memory accountant: every weight, KV cache,
// scratch and streaming-window allocation Tern makes on a device is charged
// to that device's Accountant first, and a charge past the budget is an
// error wrapping backend.ErrOutOfMemory, returned before any memory is
// touched. The planner sets budgets so that this error does not happen; the
// accountant is the boundary that makes an over-commit a clean error rather
// than an OOM kill.
//
// Wrap puts an accountant in front of a backend.Device so that allocations
// cannot bypass it. The package decides nothing: limits come from plan.
// It imports backend and quant.
package budget

import (
	"fmt"
	"strings"
	"sync"

	"github.com/tern-llm/tern/backend"
)

// Class is what an allocation is for, kept apart in the accounts so that
// a plan's prediction can be checked part by part.
type Class int

// The allocation classes.
const (
	Other    Class = iota // not classified by the caller
	Weights               // resident weights
	KV                    // KV cache
	Scratch               // activations and other per-step buffers
	Streamed              // the window of streamed weights brought in ahead of use
	numClasses
)

var classNames = [numClasses]string{"other", "weights", "kv", "scratch", "streamed"}

func (c Class) String() string {
	if c < 0 || c >= numClasses {
		return fmt.Sprintf("class(%d)", int(c))
	}
	return classNames[c]
}

// Accountant keeps one device's budget: a limit and what is charged against
// it, by class. It is safe for concurrent use.
type Accountant struct {
	device string

	mu    sync.Mutex
	limit uint64 // 0: nothing may be charged
	used  [numClasses]uint64
	total uint64
	peak  uint64
}

// New returns an accountant for the named device with a limit in bytes.
func New(device string, limit uint64) *Accountant {
	return &Accountant{device: device, limit: limit}
}

// Device is the name of the device whose budget this is.
func (a *Accountant) Device() string { return a.device }

// Reserve charges n bytes of class c. It fails, charging nothing, with an
// error wrapping backend.ErrOutOfMemory when the charge would pass the limit.
func (a *Accountant) Reserve(c Class, n uint64) error {
	if c < 0 || c >= numClasses {
		return fmt.Errorf("budget: %s: unknown %v", a.device, c)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if n > a.limit || a.total > a.limit-n {
		left := uint64(0)
		if a.total < a.limit {
			left = a.limit - a.total
		}
		return fmt.Errorf("budget: %s: %s of %s requested, %s of its %s budget left (%s): %w",
			a.device, formatBytes(n), c, formatBytes(left), formatBytes(a.limit), a.usageLocked(), backend.ErrOutOfMemory)
	}
	a.used[c] += n
	a.total += n
	a.peak = max(a.peak, a.total)
	return nil
}

// Release returns n bytes of class c. Releasing more than was charged is a
// caller's bug; the account stops at zero rather than wrapping around.
func (a *Accountant) Release(c Class, n uint64) {
	if c < 0 || c >= numClasses {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n = min(n, a.used[c])
	a.used[c] -= n
	a.total -= n
}

// SetLimit changes the budget, as a re-plan does when free memory changes.
// A limit below what is already charged is allowed: nothing is taken back,
// but every further Reserve fails until enough is released.
func (a *Accountant) SetLimit(n uint64) {
	a.mu.Lock()
	a.limit = n
	a.mu.Unlock()
}

// Usage is a snapshot of an account.
type Usage struct {
	Limit uint64
	Used  uint64             // all classes
	Peak  uint64             // the highest Used since New
	By    [numClasses]uint64 // per class
}

// Left is what may still be charged.
func (u Usage) Left() uint64 {
	if u.Used >= u.Limit {
		return 0
	}
	return u.Limit - u.Used
}

// Usage returns the account now.
func (a *Accountant) Usage() Usage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return Usage{Limit: a.limit, Used: a.total, Peak: a.peak, By: a.used}
}

func (a *Accountant) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return fmt.Sprintf("%s: %s of %s (%s)", a.device, formatBytes(a.total), formatBytes(a.limit), a.usageLocked())
}

func (a *Accountant) usageLocked() string {
	var parts []string
	for c, n := range a.used {
		if n > 0 {
			parts = append(parts, Class(c).String()+" "+formatBytes(n))
		}
	}
	if len(parts) == 0 {
		return "nothing charged"
	}
	return strings.Join(parts, ", ")
}

// formatBytes writes n in binary units.
func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	x, i := float64(n), -1
	for x >= unit && i < 5 {
		x /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", x, "KMGTPE"[i])
}
