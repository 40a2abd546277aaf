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
// matrices as the model runs them: Llama-3.2-1B's q, k and v in one op
// (MatMulShared), then o, then gate and up in one op, then down, layer after layer
// (256 MiB of Q4_0 or Q8_0, far past the caches) on 2 threads: bytes/s of
// weights, the products' share of a token without the work between them.
// Set beside BenchmarkMatVecFromMemory's (one large matrix an op), it
// shows what a decode step's many small ops cost: on the 2-core
// development host, at the minutes its cores sit far apart, a loop like
// this one over the 1.1B's shapes read 81-94% of the bandwidth read
// beside it (median 89%), where 37 MB matrices read 92-104% (median 98%;
// bench/cpu-23-24.md, session 23).
func BenchmarkMatVecLayers(b *testing.B) {
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0} {
		benchMatVecLayers(b, New(2), typ)
	}
}

func benchMatVecLayers(b *testing.B, d *Device, typ quant.Type) {
	r := rand.New(rand.NewPCG(27, 28))
	// each op's matrices (rows) over k columns
	type shape struct {
		rows []int
		k    int
	}
	shapes := []shape{{[]int{2048, 512, 512}, 2048}, {[]int{2048}, 2048}, {[]int{8192, 8192}, 2048}, {[]int{2048}, 8192}}
	type op struct {
		ws, dsts []*backend.Tensor
		x        *backend.Tensor
	}
	xs := map[int]*backend.Tensor{}
	var ops []op
	var total int64
	for total < 256<<20 {
		for _, sh := range shapes {
			rb, _ := typ.RowBytes(sh.k)
			row := make([]byte, rb)
			if err := quant.Quantize(typ, row, randRow(r, sh.k)); err != nil {
				b.Fatal(err)
			}
			if xs[sh.k] == nil {
				x, _ := d.Alloc(quant.F32, 1, sh.k)
				xf, _ := F32(x)
				copy(xf, randRow(r, sh.k))
				xs[sh.k] = x
			}
			o := op{x: xs[sh.k]}
			for _, m := range sh.rows {
				wb := make([]byte, m*rb)
				for j := range m {
					copy(wb[j*rb:], row)
				}
				w, _ := d.Map(typ, m, sh.k, wb)
				dst, _ := d.Alloc(quant.F32, 1, m)
				o.ws, o.dsts = append(o.ws, w), append(o.dsts, dst)
				total += int64(len(wb))
			}
			ops = append(ops, o)
		}
	}
	b.Run(fmt.Sprintf("%s/%d-ops/threads=%d", typ, len(ops), d.Threads()), func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			for _, o := range ops {
				if err := backend.MatMulShared(d, o.dsts, o.x, o.ws); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
