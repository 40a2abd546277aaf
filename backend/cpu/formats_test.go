package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// rowFormat describes one weight format's row kernel for the shared tests
// of the formats in formats.go.
type rowFormat struct {
	typ quant.Type
	// rows is the dispatching kernel: out[r] for weight row r (stride bytes
	// apart, nb blocks each) dotted with the converted activations x.
	rows func(out []float32, w []byte, stride int, x []byte, nb int)
	// rows4, when set, is the four-token kernel: rows for the activation
	// rows x[t*xb:], t = 0..3, into out[t]; false where it cannot run.
	rows4 func(out [multiToken][]float32, w []byte, stride int, x []byte, xb int, nb int) bool
	// ref is the Go reference in ggml's x86 order over nb blocks.
	ref func(nb int, w, x []byte) float32
	// tol is the distance allowed between ref and quant.VecDot (ggml's
	// generic order), relative to 1+|dot|.
	tol float64
}

// formatRows quantizes rows random weight rows of nb blocks (stride bytes
// apart, pad bytes of junk after each) and one random activation row.
func formatRows(t testing.TB, r *rand.Rand, typ quant.Type, rows, nb, pad int) (w []byte, stride int, x []byte) {
	k := nb * typ.BlockSize()
	rb, err := typ.RowBytes(k)
	if err != nil {
		t.Fatal(err)
	}
	stride = rb + pad
	w = make([]byte, rows*stride)
	for i := range rows {
		if err := quant.Quantize(typ, w[i*stride:i*stride+rb], randRow(r, k)); err != nil {
			t.Fatal(err)
		}
		for j := rb; j < stride; j++ {
			w[i*stride+j] = byte(r.Uint32())
		}
	}
	vt := quant.VecDotType(typ)
	xb, err := vt.RowBytes(k)
	if err != nil {
		t.Fatal(err)
	}
	x = make([]byte, xb)
	if err := quantizeActivations(vt, x, randRow(r, k)); err != nil {
		t.Fatal(err)
	}
	return w, stride, x
}

// testRowFormat checks f's kernels at every level against its reference bit
// for bit, and the reference against ggml's generic order within f.tol, for
// one block, odd counts and long rows. Inputs are made once for all levels.
func testRowFormat(t *testing.T, f rowFormat, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed+1))
	k1 := f.typ.BlockSize()
	type rowCase struct {
		rows, nb, stride int
		w, x             []byte
		want             []float32
	}
	var cases []rowCase
	for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 7}, {9, 8, 0}, {4, 33, 3}, {2, 8192 / k1, 0}} {
		c := rowCase{rows: sz[0], nb: sz[1]}
		c.w, c.stride, c.x = formatRows(t, r, f.typ, c.rows, c.nb, sz[2])
		rb, _ := f.typ.RowBytes(c.nb * k1)
		for i := range c.rows {
			want := f.ref(c.nb, c.w[i*c.stride:], c.x)
			generic, err := quant.VecDot(f.typ, c.nb*k1, c.w[i*c.stride:i*c.stride+rb], c.x)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(float64(want - generic)); d > f.tol*(1+math.Abs(float64(generic))) || want == 0 {
				t.Fatalf("rows=%d nb=%d: row %d = %g, generic order %g", c.rows, c.nb, i, want, generic)
			}
			c.want = append(c.want, want)
		}
		cases = append(cases, c)
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, c := range cases {
				got := make([]float32, c.rows+1)
				got[c.rows] = 42
				f.rows(got[:c.rows], c.w, c.stride, c.x, c.nb)
				if got[c.rows] != 42 {
					t.Fatalf("rows=%d nb=%d: wrote past the last row", c.rows, c.nb)
				}
				for i, want := range c.want {
					if got[i] != want {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", c.rows, c.nb, i, got[i], want)
					}
				}
				if f.rows4 != nil {
					testRows4(t, r, f, c.w, c.stride, c.rows, c.nb)
				}
			}
		})
	}
}

// testRows4 checks f's four-token kernel against the reference for each
// token, bit for bit, where it runs; it must run wherever x4Expected says.
func testRows4(t *testing.T, r *rand.Rand, f rowFormat, w []byte, stride, rows, nb int) {
	t.Helper()
	k := nb * f.typ.BlockSize()
	vt := quant.VecDotType(f.typ)
	xb, _ := vt.RowBytes(k)
	x := make([]byte, multiToken*xb)
	for tok := range multiToken {
		if err := quantizeActivations(vt, x[tok*xb:(tok+1)*xb], randRow(r, k)); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]float32, multiToken*(rows+1))
	var out [multiToken][]float32
	for tok := range out {
		out[tok] = buf[tok*(rows+1) : tok*(rows+1)+rows]
	}
	ok := f.rows4(out, w, stride, x, xb, nb)
	if !ok {
		if x4Expected(f.typ) {
			t.Fatalf("rows=%d nb=%d: the four-token kernel did not run", rows, nb)
		}
		return
	}
	for tok := range out {
		if buf[tok*(rows+1)+rows] != 0 {
			t.Fatalf("rows=%d nb=%d: token %d: wrote past the last row", rows, nb, tok)
		}
		for i := range rows {
			if want := f.ref(nb, w[i*stride:], x[tok*xb:]); out[tok][i] != want {
				t.Fatalf("rows=%d nb=%d: token %d row %d = %g, want %g", rows, nb, tok, i, out[tok][i], want)
			}
		}
	}
}

// testFormatMatMul runs MatMul (tiles, worker shares, one and several
// tokens) at every level and compares each output bit for bit with f.ref.
// mmCase is a product to check: n×k activations xs, m weight rows w of
// the format under test, and the reference results want (n×m).
type mmCase struct {
	n, k, m int
	w       []byte
	xs      []float32
	want    []float32
}

// check runs the product on d with weights of type typ and requires
// want's values exactly; it frees the weights it mapped (d's repacked
// copies).
func (c mmCase) check(t *testing.T, d *Device, typ quant.Type) {
	t.Helper()
	wt, err := d.Map(typ, c.m, c.k, c.w)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Free(wt)
	x, _ := d.Alloc(quant.F32, c.n, c.k)
	if err := d.Upload(x, f32Bytes(c.xs)); err != nil {
		t.Fatal(err)
	}
	dst, _ := d.Alloc(quant.F32, c.n, c.m)
	if err := d.MatMul(dst, x, wt); err != nil {
		t.Fatal(err)
	}
	got, _ := F32(dst)
	for i, want := range c.want {
		if got[i] != want {
			t.Fatalf("n=%d k=%d m=%d: [%d,%d] = %g, want %g", c.n, c.k, c.m, i/c.m, i%c.m, got[i], want)
		}
	}
}

// Inputs are made once for all levels.
func testFormatMatMul(t *testing.T, f rowFormat, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed+2))
	k1 := f.typ.BlockSize()
	shapes := [][3]int{{1, 1, 1}, {1, 3, 16}, {5, 2, 13}, {4, 7, 40}, {2, 64, 9}, {3, 130, 5}}
	if k1 > 32 { // super-blocks: fewer, the same paths
		shapes = [][3]int{{1, 1, 1}, {1, 3, 16}, {5, 2, 13}, {4, 7, 40}, {2, 9, 9}}
	}
	var cases []mmCase
	vt := quant.VecDotType(f.typ)
	for _, sh := range shapes {
		c := mmCase{n: sh[0], k: sh[1] * k1, m: sh[2]}
		c.w, _, _ = formatRows(t, r, f.typ, c.m, c.k/k1, 0)
		c.xs = randRow(r, c.n*c.k)
		rb, _ := f.typ.RowBytes(c.k)
		xb, _ := vt.RowBytes(c.k)
		xq := make([]byte, xb)
		for i := range c.n {
			if err := quantizeActivations(vt, xq, c.xs[i*c.k:(i+1)*c.k]); err != nil {
				t.Fatal(err)
			}
			for j := range c.m {
				c.want = append(c.want, f.ref(c.k/k1, c.w[j*rb:(j+1)*rb], xq))
			}
		}
		cases = append(cases, c)
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, c := range cases {
				c.check(t, New(2), f.typ)
			}
		})
	}
}

// benchRowFormat times f's kernels at every level on 256 rows of 4096
// (bytes/s of weights read, per token).
func benchRowFormat(b *testing.B, f rowFormat) {
	r := rand.New(rand.NewPCG(1, 4))
	const rows, k = 256, 4096
	nb := k / f.typ.BlockSize()
	w, stride, x := formatRows(b, r, f.typ, rows, nb, 0)
	out := make([]float32, rows)
	for _, l := range levels() {
		b.Run(fmt.Sprintf("%s/%s", f.typ, l.name), func(b *testing.B) {
			defer l.set()()
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				f.rows(out, w, stride, x, nb)
			}
		})
	}
	if f.rows4 == nil {
		return
	}
	// four tokens at once (bytes/s of weights per token, as above)
	xb := len(x)
	x4 := make([]byte, multiToken*xb)
	for t := range multiToken {
		copy(x4[t*xb:], x)
	}
	buf := make([]float32, multiToken*rows)
	var o4 [multiToken][]float32
	for t := range o4 {
		o4[t] = buf[t*rows : (t+1)*rows]
	}
	for _, l := range levels() {
		b.Run(fmt.Sprintf("%s/x4/%s", f.typ, l.name), func(b *testing.B) {
			defer l.set()()
			if !f.rows4(o4, w, stride, x4, xb, nb) {
				b.Skip("no four-token kernel at this level")
			}
			b.SetBytes(int64(multiToken * len(w)))
			for b.Loop() {
				f.rows4(o4, w, stride, x4, xb, nb)
			}
		})
	}
}

// BenchmarkMatMulFormats runs one-token (decode) and 64-token (prefill)
// products of the formats in formats.go with a 2048×2048 weight; bytes/s
// counts the weights read.
func BenchmarkMatMulFormats(b *testing.B) {
	r := rand.New(rand.NewPCG(19, 21))
	const m, k = 2048, 2048
	for _, typ := range []quant.Type{quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.IQ4_NL, quant.Q5_K, quant.BF16, quant.TQ1_0, quant.Q2_K, quant.Q3_K} {
		d := New(0)
		rb, _ := typ.RowBytes(k)
		wb := make([]byte, m*rb)
		row := make([]byte, rb)
		for j := range m {
			if j < 16 {
				if err := quant.Quantize(typ, row, randRow(r, k)); err != nil {
					b.Fatal(err)
				}
			}
			copy(wb[j*rb:], row)
		}
		w, _ := d.Map(typ, m, k, wb)
		for _, n := range []int{1, 64} {
			x, _ := d.Alloc(quant.F32, n, k)
			xs, _ := F32(x)
			copy(xs, randRow(r, n*k))
			dst, _ := d.Alloc(quant.F32, n, m)
			b.Run(fmt.Sprintf("%s/n=%d", typ, n), func(b *testing.B) {
				b.SetBytes(int64(len(wb)))
				for b.Loop() {
					if err := d.MatMul(dst, x, w); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
