package cpu

import "github.com/tern-llm/tern/quant"

// wideKernels are the kernels of a format repacked in 16-row groups
// (repacks), which read the activations' records (q4Act: the quantized
// row, a scale and recs sums or biases a block): one run of groups, two
// runs at once and four tokens at once.
type wideKernels struct {
	recs int // record entries a block of activations
	one  func(out []float32, w []byte, nb int, a *q4Act)
	two  func(outA, outB []float32, wA, wB []byte, nb int, a *q4Act)
	x4   func(out [multiToken][]float32, w []byte, nb int, acts []q4Act) bool
}

// wideKernel is pickKernel's kernel for an n-token product with weights of
// t that it takes repacked (repacks; m rows of nb blocks, packed, or made
// here from wb): one token's rows by k.one, a one-token product's two runs
// by k.two, four tokens at once by k.x4. It returns the activations'
// records, k.recs entries a block, spaced evenly as k.x4 takes them, and
// the scratch behind them (a record's sums and scales), for the caller's
// prep or quantize to fill.
func (d *Device) wideKernel(t quant.Type, n, m, nb int, wb, packed []byte, transient bool, k wideKernels) (kern kernel, acts []q4Act, bias []int32, ds []float32) {
	packed = d.packedFor(t, wb, packed, transient, m, nb)
	rb := nb * t.BlockBytes()
	rl := k.recs * nb
	acts = d.scratch.q4acts(n, rl)
	bias, ds = d.scratch.bias[:n*rl], d.scratch.d[:n*rl] // acts[i]'s, as q4acts sets them
	kern = kernel{
		align:  q4WideRows,
		mem:    packed,
		extras: &acts[0],
		rows: func(out []float32, r0, tok int, _ []byte) {
			k.one(out, packed[r0*rb:], nb, &acts[tok])
		},
	}
	if n == 1 {
		kern.rowsTwo = func(outA, outB []float32, wA, wB []byte) {
			k.two(outA, outB, wA, wB, nb, &acts[0])
		}
	}
	if n >= multiToken {
		kern.rows4 = func(out [multiToken][]float32, r0, tok int) bool {
			return k.x4(out, packed[r0*rb:], nb, acts[tok:tok+multiToken])
		}
	}
	return kern, acts, bias, ds
}

// wideRecord points acts[i] at its record in bias and ds (rl entries a
// record: another product may have cut acts[i]'s to another length) and
// returns it; its scales are the first nb of its entries.
func wideRecord(acts []q4Act, bias []int32, ds []float32, i, rl, nb int) *q4Act {
	a := &acts[i]
	a.bias, a.d = bias[i*rl:(i+1)*rl], ds[i*rl:i*rl+nb]
	return a
}
