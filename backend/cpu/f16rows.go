package cpu

// F16 weights meet float32 activations (the F16 activations of
// VecDotType, widened once a product) in ggml's orders: a one-token
// product as ggml_vec_dot_f16 (vecDotF16), products of two tokens or more
// with rows a multiple of 16 long as tinyBLAS (tileDotF32). The assembly
// kernels widen the halves as they read them; the four-token one widens
// each row once for four tokens and runs its 16 outputs' chains side by
// side, where a chain at a time waits on each multiply-add.

// f16Kernel is pickKernel's kernel for an n-token product with F16
// weights (m rows of k, rows rb bytes apart, k at most maxF16Row).
func (d *Device) f16Kernel(n, k int, wb []byte, rb int, xq []byte, xb int) kernel {
	xf := d.scratch.floats(n * k)
	tiled := n >= 2 && k%tileStep == 0
	kern := kernel{
		align: 1,
		prep: func(i int) {
			f16s(xf[i*k:(i+1)*k], xq[i*xb:])
		},
		rows: func(out []float32, r0, tok int, _ []byte) {
			dotRowsF16(out, wb[r0*rb:], rb, xf[tok*k:(tok+1)*k], tiled)
		},
	}
	if tiled && n >= multiToken {
		kern.rows4 = func(out [multiToken][]float32, r0, tok int) bool {
			return dotRowsF16x4(out, wb[r0*rb:], rb, xf[tok*k:], k)
		}
	}
	return kern
}

// dotRowsF16Generic sets out[j] to F16 row j (stride bytes apart, len(x)
// halves) dotted with x: tinyBLAS's order where tiled, else
// ggml_vec_dot_f16's.
func dotRowsF16Generic(out []float32, w []byte, stride int, x []float32, tiled bool) {
	var buf [maxF16Row]float32
	wf := buf[:len(x)]
	for j := range out {
		f16s(wf, w[j*stride:])
		if tiled {
			out[j] = tileDotF32(wf, x)
		} else {
			out[j] = vecDotF16(wf, x)
		}
	}
}
