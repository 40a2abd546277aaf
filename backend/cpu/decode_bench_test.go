package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// BenchmarkMatVecFromMemory runs one-token products over weights far past
// the caches (256 MiB of 8192×2048 matrices, one after another, as a
// decode step reads its layers) on 1 and 2 threads: bytes/s of weights, to
// set beside BenchmarkStreamRead's bandwidth.
func BenchmarkMatVecFromMemory(b *testing.B) {
	for _, threads := range []int{1, 2} {
		for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.TQ2_0, quant.Q4_K} {
			benchMatVecFromMemory(b, New(threads), typ)
		}
	}
}

func benchMatVecFromMemory(b *testing.B, d *Device, typ quant.Type) {
	r := rand.New(rand.NewPCG(25, 26))
	const m, k, total = 8192, 2048, 256 << 20
	rb, _ := typ.RowBytes(k)
	row := make([]byte, rb)
	if err := quant.Quantize(typ, row, randRow(r, k)); err != nil {
		b.Fatal(err)
	}
	var ws []*backend.Tensor
	for range max(1, total/(m*rb)) {
		wb := make([]byte, m*rb)
		for j := range m {
			copy(wb[j*rb:], row)
		}
		w, _ := d.Map(typ, m, k, wb)
		ws = append(ws, w)
	}
	x, _ := d.Alloc(quant.F32, 1, k)
	xs, _ := F32(x)
	copy(xs, randRow(r, k))
	dst, _ := d.Alloc(quant.F32, 1, m)
	b.Run(fmt.Sprintf("%s/%d×%dx%d/threads=%d", typ, len(ws), m, k, d.Threads()), func(b *testing.B) {
		b.SetBytes(int64(len(ws) * m * rb))
		for b.Loop() {
			for _, w := range ws {
				if err := d.MatMul(dst, x, w); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkMatVecLayers runs one-token products over a decode step's
// matrices: Llama-3.2-1B's q, k, v, o, gate, up and down shapes, layer
// after layer (256 MiB of Q4_0 or Q8_0, far past the caches) on 2
// threads: bytes/s of weights, the kernels' share of a token as the model
// runs them (small matrices, one after another).
func BenchmarkMatVecLayers(b *testing.B) {
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0} {
		benchMatVecLayers(b, New(2), typ)
	}
}

func benchMatVecLayers(b *testing.B, d *Device, typ quant.Type) {
	r := rand.New(rand.NewPCG(27, 28))
	shapes := [][2]int{{2048, 2048}, {512, 2048}, {512, 2048}, {2048, 2048}, {8192, 2048}, {8192, 2048}, {2048, 8192}}
	type mat struct {
		w   *backend.Tensor
		x   *backend.Tensor
		dst *backend.Tensor
	}
	xs := map[int]*backend.Tensor{}
	var mats []mat
	var total int64
	for total < 256<<20 {
		for _, sh := range shapes {
			m, k := sh[0], sh[1]
			rb, _ := typ.RowBytes(k)
			row := make([]byte, rb)
			if err := quant.Quantize(typ, row, randRow(r, k)); err != nil {
				b.Fatal(err)
			}
			wb := make([]byte, m*rb)
			for j := range m {
				copy(wb[j*rb:], row)
			}
			w, _ := d.Map(typ, m, k, wb)
			if xs[k] == nil {
				x, _ := d.Alloc(quant.F32, 1, k)
				xf, _ := F32(x)
				copy(xf, randRow(r, k))
				xs[k] = x
			}
			dst, _ := d.Alloc(quant.F32, 1, m)
			mats = append(mats, mat{w, xs[k], dst})
			total += int64(len(wb))
		}
	}
	b.Run(fmt.Sprintf("%s/%d-matrices/threads=%d", typ, len(mats), d.Threads()), func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			for _, m := range mats {
				if err := d.MatMul(m.dst, m.x, m.w); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
