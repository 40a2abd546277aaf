//go:build amd64 && gc && !purego

package cpu

import "golang.org/x/sys/cpu"

// CPU features, read once. useAVX2 needs FMA and F16C too (every AVX2
// processor has them); useVNNI is AVX-512 VNNI with 256-bit vectors.
var (
	useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C
	useVNNI = useAVX2 && cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX512VL
)

//go:noescape
func dotRowsQ8_0VNNI(out *float32, w *byte, stride int, x *byte, nb int, rows int)

//go:noescape
func dotRowsQ8_0AVX2(out *float32, w *byte, stride int, x *byte, nb int, rows int)

// dotRowsQ8_0 sets out[r] to the dot product of Q8_0 weight row r (rows
// stride bytes apart, nb blocks each) with the Q8_0 activations x.
func dotRowsQ8_0(out []float32, w []byte, stride int, x []byte, nb int) {
	rows := len(out)
	if rows == 0 || nb == 0 {
		dotRowsQ8_0Generic(out, w, stride, x, nb)
		return
	}
	_ = w[(rows-1)*stride+nb*q8Block-1]
	_ = x[nb*q8Block-1]
	switch {
	case useVNNI:
		dotRowsQ8_0VNNI(&out[0], &w[0], stride, &x[0], nb, rows)
	case useAVX2:
		dotRowsQ8_0AVX2(&out[0], &w[0], stride, &x[0], nb, rows)
	default:
		dotRowsQ8_0Generic(out, w, stride, x, nb)
	}
}

//go:noescape
func dotGroupsQ4_0VNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

//go:noescape
func dotGroupsQ4_0AVX2(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)

// dotGroupsQ4_0 sets out[8g+r] to row r of repacked group g (len(out)/8
// groups of nb blocks, contiguous) dotted with the activations a.
func dotGroupsQ4_0(out []float32, w []byte, nb int, a *q4Act) {
	groups := len(out) / q4GroupRows
	if groups == 0 || nb == 0 {
		dotGroupsQ4_0Generic(out, w, nb, a)
		return
	}
	_ = w[groups*nb*q4GroupBlock-1]
	_ = a.q[nb*q8Block-1]
	_, _ = a.bias[nb-1], a.d[nb-1]
	switch {
	case useVNNI:
		dotGroupsQ4_0VNNI(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
	case useAVX2:
		dotGroupsQ4_0AVX2(&out[0], &w[0], groups, &a.q[0], &a.bias[0], &a.d[0], nb)
	default:
		dotGroupsQ4_0Generic(out, w, nb, a)
	}
}
