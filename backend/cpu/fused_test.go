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
	load := func(v []float32, rows, cols int) *backend.Tensor {
		tn, err := d.Alloc(quant.F32, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Upload(tn, f32Bytes(v)); err != nil {
			t.Fatal(err)
		}
		return tn
	}
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
	for i := range wantNorm {
		if alias != "x" && math.Float32bits(gotSum[i]) != math.Float32bits(wantSum[i]) {
			t.Fatalf("%s: x[%d] = %g, want %g", name, i, gotSum[i], wantSum[i])
		}
		if math.Float32bits(gotNorm[i]) != math.Float32bits(wantNorm[i]) {
			t.Fatalf("%s: dst[%d] = %g, want %g", name, i, gotNorm[i], wantNorm[i])
		}
	}
}

// TestAddRMSNormErrors checks that mismatched shapes and types are errors.
func TestAddRMSNormErrors(t *testing.T) {
	d := New(1)
	alloc := func(typ quant.Type, rows, cols int) *backend.Tensor {
		x, err := d.Alloc(typ, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
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
