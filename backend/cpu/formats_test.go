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

// testRowFormat checks f's kernel at every level against its reference bit
// for bit, and the reference against ggml's generic order within f.tol, for
// one block, odd counts and long rows.
func testRowFormat(t *testing.T, f rowFormat, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed+1))
	k1 := f.typ.BlockSize()
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sz := range [][3]int{{1, 1, 0}, {3, 2, 7}, {9, 8, 0}, {4, 33, 3}, {2, 8192 / k1, 0}} {
				rows, nb, pad := sz[0], sz[1], sz[2]
				w, stride, x := formatRows(t, r, f.typ, rows, nb, pad)
				got := make([]float32, rows+1)
				got[rows] = 42
				f.rows(got[:rows], w, stride, x, nb)
				if got[rows] != 42 {
					t.Fatalf("rows=%d nb=%d: wrote past the last row", rows, nb)
				}
				rb, _ := f.typ.RowBytes(nb * k1)
				if f.rows4 != nil {
					testRows4(t, r, f, w, stride, rows, nb)
				}
				for i := range rows {
					want := f.ref(nb, w[i*stride:], x)
					if got[i] != want || want == 0 {
						t.Fatalf("rows=%d nb=%d: row %d = %g, want %g", rows, nb, i, got[i], want)
					}
					generic, err := quant.VecDot(f.typ, nb*k1, w[i*stride:i*stride+rb], x)
					if err != nil {
						t.Fatal(err)
					}
					if d := math.Abs(float64(want - generic)); d > f.tol*(1+math.Abs(float64(generic))) {
						t.Fatalf("rows=%d nb=%d: row %d = %g, generic order %g", rows, nb, i, want, generic)
					}
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
		if x4Expected() {
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

// testFormatMatMul runs MatMul (tiles, worker shares, several tokens) at
// every level and compares each output bit for bit with f.ref.
func testFormatMatMul(t *testing.T, f rowFormat, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed+2))
	k1 := f.typ.BlockSize()
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sh := range [][3]int{{1, 1, 1}, {1, 3, 16}, {5, 2, 13}, {4, 7, 40}, {2, 64, 9}, {3, 130, 5}} {
				n, k, m := sh[0], sh[1]*k1, sh[2]
				d := New(2)
				rb, _ := f.typ.RowBytes(k)
				w, _, _ := formatRows(t, r, f.typ, m, k/k1, 0)
				wt, err := d.Map(f.typ, m, k, w)
				if err != nil {
					t.Fatal(err)
				}
				xs := randRow(r, n*k)
				x, _ := d.Alloc(quant.F32, n, k)
				if err := d.Upload(x, f32Bytes(xs)); err != nil {
					t.Fatal(err)
				}
				dst, _ := d.Alloc(quant.F32, n, m)
				if err := d.MatMul(dst, x, wt); err != nil {
					t.Fatal(err)
				}
				got, _ := F32(dst)
				vt := quant.VecDotType(f.typ)
				xb, _ := vt.RowBytes(k)
				xq := make([]byte, xb)
				for i := range n {
					if err := quantizeActivations(vt, xq, xs[i*k:(i+1)*k]); err != nil {
						t.Fatal(err)
					}
					for j := range m {
						if want := f.ref(k/k1, w[j*rb:(j+1)*rb], xq); got[i*m+j] != want {
							t.Fatalf("n=%d k=%d m=%d: [%d,%d] = %g, want %g", n, k, m, i, j, got[i*m+j], want)
						}
					}
				}
			}
		})
	}
}

// benchRowFormat times f's kernel at every level on 256 rows of 4096
// (bytes/s of weights read).
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
