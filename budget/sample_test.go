package budget

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// topkDev is a fake device with backend.TopKer: it selects on the host
// from its own (unwrapped) tensors.
type topkDev struct {
	fakeDev
	max int
}

func (d *topkDev) MaxTopK() int { return d.max }

func (d *topkDev) TopK(vals, ids, x *backend.Tensor) error {
	if err := d.mine("topk", vals, ids, x); err != nil {
		return err
	}
	k := vals.Cols
	if k < 1 || k > d.max || k > x.Cols {
		return backend.ErrSkip
	}
	xs, _ := d.f32(x)
	vs, _ := d.f32(vals)
	is, _ := d.f32(ids)
	for r := range x.Rows {
		row := xs[r*x.Cols : (r+1)*x.Cols]
		order := make([]int, len(row))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case row[a] > row[b]:
				return -1
			case row[a] < row[b]:
				return 1
			}
			return 0
		})
		for i, c := range order[:k] {
			vs[r*k+i] = row[c]
			is[r*k+i] = math.Float32frombits(uint32(c)) // I32 bits
		}
	}
	return nil
}

// TestTopKReachesInner checks that a budgeted device passes the top-k
// selection to an inner device that has it, with unwrapped tensors (views
// at offsets included: the ids are an I32 view of the values' buffer),
// and declines it (ErrSkip, MaxTopK 0) when the inner device lacks it.
func TestTopKReachesInner(t *testing.T) {
	for _, tc := range []struct {
		name  string
		inner backend.Device
		max   int
	}{
		{"with", &topkDev{max: 8}, 8},
		{"without", &fakeDev{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Wrap(tc.inner, New("fake", 1<<20))
			tk, ok := d.(backend.TopKer)
			if !ok {
				t.Fatal("budgeted device is not a TopKer")
			}
			if got := tk.MaxTopK(); got != tc.max {
				t.Errorf("MaxTopK %d, want %d", got, tc.max)
			}
			const rows, cols, k = 2, 5, 3
			x, err := d.Alloc(quant.F32, rows, cols)
			if err != nil {
				t.Fatal(err)
			}
			in := []float32{1, 4, 2, 4, -1, 0, -3, 7, 7, 7}
			if err := d.Upload(x, f32Bytes(in)); err != nil {
				t.Fatal(err)
			}
			res, err := d.Alloc(quant.F32, 1, 2*rows*k+1)
			if err != nil {
				t.Fatal(err)
			}
			vals, _ := backend.NewTensor(res.Buf, res.Off+4, quant.F32, rows, k)
			ids, _ := backend.NewTensor(res.Buf, res.Off+4+4*rows*k, quant.I32, rows, k)
			err = tk.TopK(vals, ids, x)
			if tc.max == 0 {
				if !errors.Is(err, backend.ErrSkip) {
					t.Errorf("TopK without an inner TopKer: %v, want ErrSkip", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out := make([]float32, 2*rows*k+1)
			if err := d.Download(f32Bytes(out), res); err != nil {
				t.Fatal(err)
			}
			wantVals := []float32{4, 4, 2, 7, 7, 7}
			wantIDs := []int32{1, 3, 2, 2, 3, 4}
			for i := range rows * k {
				id := int32(math.Float32bits(out[1+rows*k+i]))
				if out[1+i] != wantVals[i] || id != wantIDs[i] {
					t.Errorf("candidate %d: %v (token %d), want %v (token %d)", i, out[1+i], id, wantVals[i], wantIDs[i])
				}
			}
			wide, _ := backend.NewTensor(res.Buf, res.Off, quant.F32, 1, tc.max+1)
			if err := tk.TopK(wide, wide, x); !errors.Is(err, backend.ErrSkip) {
				t.Errorf("top %d past the inner device's %d: %v, want ErrSkip", tc.max+1, tc.max, err)
			}
		})
	}
}
