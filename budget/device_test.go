package budget

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// fakeDev is a host-memory device that checks every tensor it is handed is
// one of its own (unwrapped), counts allocations and frees, and can be told
// to fail Alloc. Its MatMul is plain float32 over F32 tensors.
type fakeDev struct {
	allocs, frees int
	failAlloc     bool
	calls         []string
}

type fakeBuf struct {
	dev  *fakeDev
	data []byte
}

func (b *fakeBuf) Device() backend.Device { return b.dev }

func (f *fakeDev) Name() string       { return "fake" }
func (f *fakeDev) Kind() backend.Kind { return backend.CUDA }
func (f *fakeDev) Memory() (uint64, uint64, error) {
	return 1 << 30, 2 << 30, nil
}

func (f *fakeDev) Alloc(t quant.Type, rows, cols int) (*backend.Tensor, error) {
	if f.failAlloc {
		return nil, errors.New("fake: alloc failed")
	}
	f.allocs++
	rb, _ := t.RowBytes(cols)
	words := make([]float32, (rb*rows+3)/4+1)
	data := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), rb*rows)
	return backend.NewTensor(&fakeBuf{dev: f, data: data}, 0, t, rows, cols)
}

func (f *fakeDev) Map(t quant.Type, rows, cols int, data []byte) (*backend.Tensor, error) {
	return backend.NewTensor(&fakeBuf{dev: f, data: data}, 0, t, rows, cols)
}

func (f *fakeDev) Free(t *backend.Tensor) { f.frees++ }

func (f *fakeDev) bytes(t *backend.Tensor) ([]byte, error) {
	b, ok := t.Buf.(*fakeBuf)
	if !ok || b.dev != f {
		return nil, fmt.Errorf("fake: tensor %v is not mine (%T)", t, t.Buf)
	}
	return b.data[t.Off : t.Off+t.Bytes()], nil
}

func (f *fakeDev) f32(t *backend.Tensor) ([]float32, error) {
	b, err := f.bytes(t)
	if err != nil {
		return nil, err
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4), nil
}

func (f *fakeDev) Upload(dst *backend.Tensor, src []byte) error {
	b, err := f.bytes(dst)
	if err == nil {
		copy(b, src)
	}
	return err
}

func (f *fakeDev) Download(dst []byte, src *backend.Tensor) error {
	b, err := f.bytes(src)
	if err == nil {
		copy(dst, b)
	}
	return err
}

func (f *fakeDev) Sync() error { return nil }

func (f *fakeDev) mine(name string, ts ...*backend.Tensor) error {
	f.calls = append(f.calls, name)
	for _, t := range ts {
		if _, err := f.bytes(t); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func (f *fakeDev) Embed(dst, table *backend.Tensor, ids []int32) error {
	return f.mine("embed", dst, table)
}
func (f *fakeDev) RMSNorm(dst, x, w *backend.Tensor, eps float32) error {
	return f.mine("rmsnorm", dst, x, w)
}
func (f *fakeDev) Add(dst, a, b *backend.Tensor) error { return f.mine("add", dst, a, b) }
func (f *fakeDev) SwiGLU(dst, gate, up *backend.Tensor) error {
	return f.mine("swiglu", dst, gate, up)
}
func (f *fakeDev) RoPE(x *backend.Tensor, heads int, r *backend.RoPE, b *backend.Batch) error {
	return f.mine("rope", x, r.Factors)
}
func (f *fakeDev) StoreKV(kc, vc, k, v *backend.Tensor, b *backend.Batch) error {
	return f.mine("storekv", kc, vc, k, v)
}
func (f *fakeDev) Attention(out, q, kc, vc *backend.Tensor, a *backend.Attn, b *backend.Batch) error {
	return f.mine("attention", out, q, kc, vc)
}

func (f *fakeDev) MatMul(dst, x, w *backend.Tensor) error {
	if err := f.mine("matmul", dst, x, w); err != nil {
		return err
	}
	o, _ := f.f32(dst)
	xs, _ := f.f32(x)
	ws, _ := f.f32(w)
	n, k, m := x.Rows, x.Cols, w.Rows
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			var s float32
			for l := 0; l < k; l++ {
				s += xs[i*k+l] * ws[j*k+l]
			}
			o[i*m+j] = s
		}
	}
	return nil
}

func f32Bytes(v []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
}

func TestWrapChargesAndRefuses(t *testing.T) {
	inner := &fakeDev{}
	a := New("fake", 1000)
	d := Wrap(inner, a)
	if _, ok := d.(backend.HostMapper); !ok {
		t.Fatal("wrapper of a HostMapper does not map")
	}
	x, err := d.Alloc(quant.F32, 10, 20) // 800 bytes
	if err != nil {
		t.Fatal(err)
	}
	if x.Device() != d {
		t.Errorf("tensor's device %v is not the wrapper", x.Device())
	}
	if _, err := d.Alloc(quant.F32, 1, 51); !errors.Is(err, backend.ErrOutOfMemory) {
		t.Fatalf("Alloc past the budget: %v, want ErrOutOfMemory", err)
	}
	if inner.allocs != 1 {
		t.Errorf("inner allocs %d: a refused request reached the device", inner.allocs)
	}
	x.Device().Free(x)
	x.Device().Free(x) // a second Free releases nothing more
	if u := a.Usage(); u.Used != 0 || u.Peak != 800 || inner.frees != 1 {
		t.Errorf("after free: usage %+v, inner frees %d", u, inner.frees)
	}
	inner.failAlloc = true
	if _, err := d.Alloc(quant.F32, 1, 10); err == nil || errors.Is(err, backend.ErrOutOfMemory) {
		t.Fatalf("inner failure: %v", err)
	}
	if u := a.Usage(); u.Used != 0 {
		t.Errorf("a failed inner Alloc left %d bytes charged", u.Used)
	}
}

func TestAsClassesAndMap(t *testing.T) {
	inner := &fakeDev{}
	a := New("fake", 1<<20)
	d := Wrap(inner, a)
	kv, err := As(d, KV)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := As(d, Weights)
	st, _ := As(d, Streamed)
	if _, err := As(inner, KV); err == nil {
		t.Error("As accepted an unbudgeted device")
	}
	k, _ := kv.Alloc(quant.F16, 4, 64)                                      // 512 bytes
	m, err := w.(backend.HostMapper).Map(quant.F32, 2, 8, make([]byte, 64)) // 64 bytes
	if err != nil {
		t.Fatal(err)
	}
	s, _ := st.(backend.HostMapper).Map(quant.F32, 100, 8, make([]byte, 3200)) // charged to the window, not here
	u := a.Usage()
	if u.By[KV] != 512 || u.By[Weights] != 64 || u.By[Streamed] != 0 || u.Used != 576 {
		t.Errorf("usage %+v", u)
	}
	if k.Device() != d || m.Device() != d || s.Device() != d {
		t.Error("views' tensors do not report the base device")
	}
	d.Free(k) // any view may free another's tensor
	if u := a.Usage(); u.By[KV] != 0 {
		t.Errorf("KV still charged: %+v", u)
	}
	if AccountantOf(kv) != a || AccountantOf(inner) != nil {
		t.Error("AccountantOf")
	}
}

// TestOpsUnwrap runs every op through the wrapper, on views at an offset,
// and checks the inner device received its own tensors and that MatMul
// reads and writes the right rows.
func TestOpsUnwrap(t *testing.T) {
	inner := &fakeDev{}
	d := Wrap(inner, New("fake", 1<<20))
	r := rand.New(rand.NewPCG(1, 2))
	const n, k, m = 3, 7, 5
	alloc := func(rows, cols int) *backend.Tensor {
		x, err := d.Alloc(quant.F32, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	big := alloc(n+2, k)
	xv := make([]float32, (n+2)*k)
	for i := range xv {
		xv[i] = r.Float32()*2 - 1
	}
	if err := d.Upload(big, f32Bytes(xv)); err != nil {
		t.Fatal(err)
	}
	x, _ := big.Slice(2, 2+n) // rows 2..4: an offset view
	w := alloc(m, k)
	wv := make([]float32, m*k)
	for i := range wv {
		wv[i] = r.Float32()*2 - 1
	}
	if err := d.Upload(w, f32Bytes(wv)); err != nil {
		t.Fatal(err)
	}
	out := alloc(n, m)
	if err := d.MatMul(out, x, w); err != nil {
		t.Fatal(err)
	}
	got := make([]float32, n*m)
	if err := d.Download(f32Bytes(got), out); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			var want float64
			for l := 0; l < k; l++ {
				want += float64(xv[(i+2)*k+l]) * float64(wv[j*k+l])
			}
			if diff := float64(got[i*m+j]) - want; diff > 1e-5 || diff < -1e-5 {
				t.Errorf("out[%d][%d] = %g, want %g", i, j, got[i*m+j], want)
			}
		}
	}
	b := &backend.Batch{}
	steps := []error{
		d.Embed(out, w, nil),
		d.RMSNorm(out, out, w, 1e-5),
		d.Add(out, out, w),
		d.SwiGLU(out, out, w),
		d.RoPE(out, 1, &backend.RoPE{Factors: w}, b),
		d.StoreKV(out, out, w, w, b),
		d.Attention(out, x, w, w, &backend.Attn{}, b),
	}
	for i, err := range steps {
		if err != nil {
			t.Errorf("op %d: %v", i, err)
		}
	}
	if len(inner.calls) != 8 {
		t.Errorf("inner saw %v", inner.calls)
	}
}

// TestUnReusesViews checks that un gives the inner view of each view it is
// handed, whichever order views of one buffer come in, and that passing
// the same view again allocates nothing (a decode step passes the same
// views token after token).
func TestUnReusesViews(t *testing.T) {
	inner := &fakeDev{}
	d := Wrap(inner, New("fake", 1<<20))
	big, err := d.Alloc(quant.F32, 9, 5)
	if err != nil {
		t.Fatal(err)
	}
	in := big.Buf.(*buffer).inner
	views := []struct{ from, to int }{{0, 9}, {2, 5}, {2, 5}, {0, 1}, {2, 5}, {0, 9}, {8, 9}, {3, 5}}
	for _, v := range views {
		x, err := big.Slice(v.from, v.to)
		if err != nil {
			t.Fatal(err)
		}
		u := un(x)
		wantOff := in.Off + v.from*x.RowBytes()
		if u.Buf != in.Buf || u.Off != wantOff || u.Rows != v.to-v.from || u.Cols != 5 || u.Type != quant.F32 {
			t.Errorf("rows [%d,%d): inner view %+v, want buffer %p offset %d", v.from, v.to, *u, in.Buf, wantOff)
		}
		if un(x) != u {
			t.Errorf("rows [%d,%d): a second un of one view made a new one", v.from, v.to)
		}
	}
	x, _ := big.Slice(1, 4)
	if n := testing.AllocsPerRun(100, func() { un(x) }); n != 0 {
		t.Errorf("un of a repeated view allocates %.0f times", n)
	}
	if un(nil) != nil {
		t.Error("un(nil) is not nil")
	}
}
