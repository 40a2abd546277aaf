package cuda

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"unsafe"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

var shared struct {
	once sync.Once
	dev  *Device
	err  error
}

// gpu returns the test GPU (cuda0), or skips the test where there is none.
func gpu(t testing.TB) *Device {
	t.Helper()
	shared.once.Do(func() {
		mods, err := PTXModules()
		if err != nil {
			shared.err = err
			return
		}
		shared.dev, shared.err = open(0, mods)
	})
	if errors.Is(shared.err, ErrNoDevice) {
		t.Skipf("no CUDA GPU here: %v", shared.err)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.dev
}

// randF32 is n values in (-scale, scale), none zero.
func randF32(rng *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = (rng.Float32()*2 - 1) * scale
		if v[i] == 0 {
			v[i] = scale / 3
		}
	}
	return v
}

func f32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}

// encode converts rows of floats to type t (GGUF encoding).
func encode(t testing.TB, typ quant.Type, rows, cols int, v []float32) []byte {
	t.Helper()
	rb, err := typ.RowBytes(cols)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, rows*rb)
	for r := 0; r < rows; r++ {
		if err := quant.Quantize(typ, out[r*rb:(r+1)*rb], v[r*cols:(r+1)*cols]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// pair is one tensor on the CPU and its copy on the GPU.
type pair struct{ c, g *backend.Tensor }

func newPair(t testing.TB, host *cpu.Device, dev *Device, typ quant.Type, rows, cols int, data []byte) pair {
	t.Helper()
	c, err := host.Alloc(typ, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	g, err := dev.Alloc(typ, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Free(g) })
	if data == nil {
		data = make([]byte, c.Bytes())
	}
	if err := host.Upload(c, data); err != nil {
		t.Fatal(err)
	}
	if err := dev.Upload(g, data); err != nil {
		t.Fatal(err)
	}
	return pair{c, g}
}

// f32Pair is an F32 pair holding v.
func f32Pair(t testing.TB, host *cpu.Device, dev *Device, rows, cols int, v []float32) pair {
	return newPair(t, host, dev, quant.F32, rows, cols, f32Bytes(v))
}

// poison fills a GPU F32 tensor with NaN, so that unwritten outputs show.
func poison(t testing.TB, dev *Device, g *backend.Tensor) {
	t.Helper()
	nan := make([]float32, g.Elements())
	for i := range nan {
		nan[i] = float32(math.NaN())
	}
	if err := dev.Upload(g, f32Bytes(nan)); err != nil {
		t.Fatal(err)
	}
}

// compare checks the GPU tensor against the CPU one by ‖g − c‖/‖c‖.
func compare(t testing.TB, dev *Device, p pair, tol float64, what string) {
	t.Helper()
	want, err := cpu.F32(p.c)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, p.g.Elements())
	if err := dev.Download(f32Bytes(got), p.g); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var num, den float64
	for i := range got {
		if math.IsNaN(float64(got[i])) || math.IsInf(float64(got[i]), 0) {
			t.Errorf("%s: element %d is %v (CPU %v)", what, i, got[i], want[i])
			return
		}
		e := float64(got[i]) - float64(want[i])
		num += e * e
		den += float64(want[i]) * float64(want[i])
	}
	rel := math.Sqrt(num / max(den, 1e-30))
	if rel > tol || testing.Verbose() {
		t.Logf("%s: relative error %.2g", what, rel)
	}
	if rel > tol {
		t.Errorf("%s: relative error %.3g over %g", what, rel, tol)
	}
}

// tolFor is the relative error allowed for results from weights of type typ.
func tolFor(typ quant.Type) float64 {
	if typ == quant.F32 {
		return 1e-3
	}
	return 1e-2
}

func TestMemoryAndCopies(t *testing.T) {
	dev := gpu(t)
	free, total, err := dev.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || free > total {
		t.Fatalf("Memory() = %d free of %d", free, total)
	}
	const big = 256 << 20
	x, err := dev.Alloc(quant.F32, big/4/1024, 1024)
	if err != nil {
		t.Fatal(err)
	}
	free2, _, err := dev.Memory()
	if err != nil {
		t.Fatal(err)
	}
	dev.Free(x)
	if free-free2 < big/2 {
		t.Errorf("a %d-byte allocation moved free memory from %d to %d", big, free, free2)
	}
	// every type round-trips through Upload and Download, whole and by row views
	rng := rand.New(rand.NewPCG(7, 7))
	for _, typ := range weightTypes {
		rows, cols := 5, 512
		data := encode(t, typ, rows, cols, randF32(rng, rows*cols, 2))
		g, err := dev.Alloc(typ, rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		if err := dev.Upload(g, data); err != nil {
			t.Fatal(err)
		}
		back := make([]byte, len(data))
		if err := dev.Download(back, g); err != nil {
			t.Fatal(err)
		}
		if string(back) != string(data) {
			t.Errorf("%s: download differs from upload", typ)
		}
		v, _ := g.Slice(2, 4)
		part := make([]byte, v.Bytes())
		if err := dev.Download(part, v); err != nil {
			t.Fatal(err)
		}
		if string(part) != string(data[2*g.RowBytes():4*g.RowBytes()]) {
			t.Errorf("%s: rows 2..4 differ", typ)
		}
		dev.Free(g)
	}
	if err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
}
