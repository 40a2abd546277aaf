package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// TestAddRMSNorm checks AddRMSNorm against Add then RMSNorm, bit for bit,
// on odd widths (vector tails) and row counts past one worker's share,
// with dst apart, dst = y and dst = x.
func TestAddRMSNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, sh := range [][2]int{{1, 7}, {1, 2048}, {3, 61}, {40, 129}} {
				for _, alias := range []string{"apart", "y", "x"} {
					checkAddRMSNorm(t, r, sh[0], sh[1], alias)
				}
			}
		})
	}
}

func checkAddRMSNorm(t *testing.T, r *rand.Rand, n, c int, alias string) {
	t.Helper()
	name := fmt.Sprintf("%d×%d dst=%s", n, c, alias)
	d := New(2)
	xs, ys, wv := randRow(r, n*c), randRow(r, n*c), randRow(r, c)
	load := func(v []float32, rows, cols int) *backend.Tensor { return testF32(t, d, v, rows, cols) }
	const eps = 1e-5
	// reference: the two ops
	x0, y0, w := load(xs, n, c), load(ys, n, c), load(wv, 1, c)
	norm0 := load(randRow(r, n*c), n, c)
	if err := d.Add(x0, x0, y0); err != nil {
		t.Fatal(err)
	}
	if err := d.RMSNorm(norm0, x0, w, eps); err != nil {
		t.Fatal(err)
	}
	// fused
	x1, y1 := load(xs, n, c), load(ys, n, c)
	dst := load(randRow(r, n*c), n, c)
	switch alias {
	case "y":
		dst = y1
	case "x":
		dst = x1
	}
	if err := d.AddRMSNorm(x1, y1, dst, w, eps); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	wantSum, _ := F32(x0)
	wantNorm, _ := F32(norm0)
	gotSum, _ := F32(x1)
	gotNorm, _ := F32(dst)
	if alias != "x" {
		sameBits(t, name+": x", gotSum, wantSum)
	}
	sameBits(t, name+": dst", gotNorm, wantNorm)
}

// testAlloc allocates a rows×cols tensor of type typ on d.
func testAlloc(t testing.TB, d *Device, typ quant.Type, rows, cols int) *backend.Tensor {
	t.Helper()
	x, err := d.Alloc(typ, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// testF32 is a rows×cols F32 tensor on d holding v.
func testF32(t testing.TB, d *Device, v []float32, rows, cols int) *backend.Tensor {
	t.Helper()
	x := testAlloc(t, d, quant.F32, rows, cols)
	if err := d.Upload(x, f32Bytes(v)); err != nil {
		t.Fatal(err)
	}
	return x
}

// sameBits requires got to hold want's bits, naming the first element
// that differs as what[i].
func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestAddRMSNormErrors checks that mismatched shapes and types are errors.
func TestAddRMSNormErrors(t *testing.T) {
	d := New(1)
	alloc := func(typ quant.Type, rows, cols int) *backend.Tensor { return testAlloc(t, d, typ, rows, cols) }
	x, y, dst, w := alloc(quant.F32, 2, 8), alloc(quant.F32, 2, 8), alloc(quant.F32, 2, 8), alloc(quant.F32, 1, 8)
	for _, tc := range []struct {
		name         string
		x, y, dst, w *backend.Tensor
	}{
		{"y rows", x, alloc(quant.F32, 1, 8), dst, w},
		{"y cols", x, alloc(quant.F32, 2, 7), dst, w},
		{"dst rows", x, y, alloc(quant.F32, 3, 8), w},
		{"w size", x, y, dst, alloc(quant.F32, 1, 9)},
		{"x type", alloc(quant.F16, 2, 8), y, dst, w},
		{"w type", x, y, dst, alloc(quant.F16, 1, 8)},
	} {
		if err := d.AddRMSNorm(tc.x, tc.y, tc.dst, tc.w, 1e-5); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestMatMulAddRMSNorm checks MatMulAddRMSNorm against MatMul then
// AddRMSNorm, bit for bit, at every level: weight formats with and
// without two-run kernels, one token (one parallel op, pieces of both
// runs and the rows past them) and several, row counts that fit the
// kernels' alignments and that do not, products cut into many pieces and
// made on one thread, with dst apart, dst = y and dst = x.
func TestMatMulAddRMSNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	type product struct {
		typ     quant.Type
		n, k, m int
		wb      []byte // weights, quantized once for every level
	}
	var ps []product
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q4_K, quant.TQ2_0, quant.Q6_K, quant.F32} {
		for _, sh := range [][3]int{{1, 256, 208}, {1, 256, 37}, {1, 512, 2048}, {1, 256, 4099}, {3, 256, 48}} {
			p := product{typ: typ, n: sh[0], k: sh[1], m: sh[2]}
			rb, err := typ.RowBytes(p.k)
			if err != nil {
				t.Fatal(err)
			}
			p.wb = make([]byte, p.m*rb)
			row := make([]byte, rb)
			for j := range p.m {
				if j < 64 { // 64 distinct rows, repeated: quantizing is the slow part
					if err := quant.Quantize(typ, row, randRow(r, p.k)); err != nil {
						t.Fatal(err)
					}
				}
				copy(p.wb[j*rb:], row)
			}
			ps = append(ps, p)
		}
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, p := range ps {
				for _, alias := range []string{"apart", "y", "x"} {
					checkMatMulAddRMSNorm(t, r, p.typ, p.n, p.k, p.m, p.wb, alias)
				}
			}
		})
	}
}

func checkMatMulAddRMSNorm(t *testing.T, r *rand.Rand, typ quant.Type, n, k, m int, wb []byte, alias string) {
	t.Helper()
	name := fmt.Sprintf("%s n=%d k=%d m=%d dst=%s", typ, n, k, m, alias)
	d := New(2)
	w, err := d.Map(typ, m, k, wb)
	if err != nil {
		t.Fatal(err)
	}
	load := func(v []float32, rows, cols int) *backend.Tensor { return testF32(t, d, v, rows, cols) }
	as, xs, nv := randRow(r, n*k), randRow(r, n*m), randRow(r, m)
	a, nw := load(as, n, k), load(nv, 1, m)
	const eps = 1e-5
	// reference: the two ops
	x0, y0, norm0 := load(xs, n, m), load(randRow(r, n*m), n, m), load(randRow(r, n*m), n, m)
	if err := d.MatMul(y0, a, w); err != nil {
		t.Fatal(err)
	}
	if err := d.AddRMSNorm(x0, y0, norm0, nw, eps); err != nil {
		t.Fatal(err)
	}
	// fused
	x1, y1, dst := load(xs, n, m), load(randRow(r, n*m), n, m), load(randRow(r, n*m), n, m)
	switch alias {
	case "y":
		dst = y1
	case "x":
		dst = x1
	}
	if err := d.MatMulAddRMSNorm(x1, y1, a, w, dst, nw, eps); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	wantSum, _ := F32(x0)
	wantProd, _ := F32(y0)
	wantNorm, _ := F32(norm0)
	gotSum, _ := F32(x1)
	gotProd, _ := F32(y1)
	gotNorm, _ := F32(dst)
	if alias != "x" {
		sameBits(t, name+": x", gotSum, wantSum)
	}
	if alias != "y" {
		sameBits(t, name+": y", gotProd, wantProd)
	}
	sameBits(t, name+": dst", gotNorm, wantNorm)
}

// TestMatMulAddRMSNormErrors checks that mismatched shapes and types are
// errors, and that a failed call leaves no hooks behind for the next
// product.
func TestMatMulAddRMSNormErrors(t *testing.T) {
	d := New(2)
	alloc := func(typ quant.Type, rows, cols int) *backend.Tensor { return testAlloc(t, d, typ, rows, cols) }
	a, w := alloc(quant.F32, 1, 32), alloc(quant.Q8_0, 8, 32)
	x, y, dst, nw := alloc(quant.F32, 1, 8), alloc(quant.F32, 1, 8), alloc(quant.F32, 1, 8), alloc(quant.F32, 1, 8)
	for _, tc := range []struct {
		name               string
		x, y, a, w, dst, n *backend.Tensor
	}{
		{"x cols", alloc(quant.F32, 1, 9), y, a, w, dst, nw},
		{"y cols", x, alloc(quant.F32, 1, 9), a, w, dst, nw},
		{"dst rows", x, y, a, w, alloc(quant.F32, 2, 8), nw},
		{"norm size", x, y, a, w, dst, alloc(quant.F32, 1, 9)},
		{"weight width", x, y, a, alloc(quant.Q8_0, 8, 64), dst, nw},
		{"weight rows", x, y, a, alloc(quant.Q8_0, 16, 32), dst, nw},
		{"x type", alloc(quant.F16, 1, 8), y, a, w, dst, nw},
		{"norm type", x, y, a, w, dst, alloc(quant.F16, 1, 8)},
		{"input type", x, y, alloc(quant.F16, 1, 32), w, dst, nw},
		{"several tokens", alloc(quant.F32, 2, 8), alloc(quant.F32, 2, 8), alloc(quant.F32, 2, 32), w, dst, nw},
	} {
		if err := d.MatMulAddRMSNorm(tc.x, tc.y, tc.a, tc.w, tc.dst, tc.n, 1e-5); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
		if d.shared.after != nil || d.shared.last != nil {
			t.Fatalf("%s: hooks left set", tc.name)
		}
	}
}

// TestMatMulSwiGLU checks MatMulSwiGLU against MatMulShared then SwiGLU,
// bit for bit, at every level, on 1 to 3 threads: weight formats with
// two-run kernels (each piece pairs rows of the gate with the same rows
// of up, pieces starting where no vector of the SwiGLU does) and without,
// row counts that fit the kernels' alignments and the SwiGLU's vectors and
// that do not, products cut into many pieces, and several tokens.
func TestMatMulSwiGLU(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 50))
	type product struct {
		typ      quant.Type
		n, k, m  int
		wg, wu   []byte // gate and up weights, quantized once for every level
		rowBytes int
	}
	var ps []product
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q4_K, quant.TQ2_0, quant.Q6_K, quant.IQ4_NL, quant.F32} {
		for _, sh := range [][3]int{{1, 256, 208}, {1, 256, 37}, {1, 512, 8192}, {1, 256, 4099}, {3, 256, 48}} {
			p := product{typ: typ, n: sh[0], k: sh[1], m: sh[2]}
			rb, err := typ.RowBytes(p.k)
			if err != nil {
				t.Fatal(err)
			}
			p.wg, p.wu = make([]byte, p.m*rb), make([]byte, p.m*rb)
			row := make([]byte, rb)
			for _, wb := range [][]byte{p.wg, p.wu} {
				for j := range p.m {
					if j < 61 { // 61 distinct rows, repeated: quantizing is the slow part
						if err := quant.Quantize(typ, row, randRow(r, p.k)); err != nil {
							t.Fatal(err)
						}
					}
					copy(wb[j*rb:], row)
				}
			}
			ps = append(ps, p)
		}
	}
	for _, l := range levels() {
		t.Run(l.name, func(t *testing.T) {
			defer l.set()()
			for _, p := range ps {
				for threads := 1; threads <= 3; threads++ {
					checkMatMulSwiGLU(t, r, threads, p.typ, p.n, p.k, p.m, p.wg, p.wu)
				}
			}
		})
	}
}

func checkMatMulSwiGLU(t *testing.T, r *rand.Rand, threads int, typ quant.Type, n, k, m int, wgb, wub []byte) {
	t.Helper()
	name := fmt.Sprintf("%s threads=%d n=%d k=%d m=%d", typ, threads, n, k, m)
	d := New(threads)
	wg, err := d.Map(typ, m, k, wgb)
	if err != nil {
		t.Fatal(err)
	}
	wu, err := d.Map(typ, m, k, wub)
	if err != nil {
		t.Fatal(err)
	}
	load := func(v []float32, rows, cols int) *backend.Tensor { return testF32(t, d, v, rows, cols) }
	x := load(randRow(r, n*k), n, k)
	// reference: the two ops
	g0, u0 := load(randRow(r, n*m), n, m), load(randRow(r, n*m), n, m)
	if err := d.MatMulShared([]*backend.Tensor{g0, u0}, x, []*backend.Tensor{wg, wu}); err != nil {
		t.Fatal(err)
	}
	if err := d.SwiGLU(g0, g0, u0); err != nil {
		t.Fatal(err)
	}
	g1, u1 := load(randRow(r, n*m), n, m), load(randRow(r, n*m), n, m)
	if err := d.MatMulSwiGLU(g1, u1, x, wg, wu); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want, _ := F32(g0)
	got, _ := F32(g1)
	sameBits(t, name+": gate", got, want)
	wantUp, _ := F32(u0)
	gotUp, _ := F32(u1)
	sameBits(t, name+": up", gotUp, wantUp)
}

// TestSwiGLUSpan checks swigluSpan on every span of a row against
// swigluRows on the whole row, bit for bit: spans that start and end
// inside a vector, and rows whose last elements take the scalar form.
func TestSwiGLUSpan(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, nc := range []int{1, 15, 16, 37, 64, 100} {
		g, u := randRow(r, nc), randRow(r, nc)
		want := make([]float32, nc)
		swigluRows(want, g, u, nc, 0, 1)
		for lo := 0; lo < nc; lo++ {
			for hi := lo + 1; hi <= nc; hi++ {
				got := make([]float32, hi-lo)
				swigluSpan(got, g[lo:hi], u[lo:hi], lo, nc)
				sameBits(t, fmt.Sprintf("nc=%d [%d, %d)", nc, lo, hi), got, want[lo:hi])
			}
		}
	}
}
