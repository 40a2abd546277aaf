package calibrate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/quant"
)

// matVecLatencies measures MatVecLatency for each format whose matrix×
// vector rate is at least half the memory bandwidth (for slower kernels
// the arithmetic hides the memory's latency), on a device that maps host
// memory in place (none elsewhere).
func matVecLatencies(d backend.Device, p *Profile, size int, step time.Duration, s *scratch) (map[string]float64, error) {
	if _, ok := d.(backend.HostMapper); !ok {
		return nil, nil
	}
	out := map[string]float64{}
	for _, t := range DefaultFormats {
		rate := p.MatVec[t.String()]
		if rate <= 0 || rate < p.Bandwidth/2 {
			continue
		}
		lat, err := matVecLatency(d, t, rate, p.OpLatency, size, step, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		out[t.String()] = lat
	}
	return out, nil
}

// The matrices of one layer of the matvec latency benchmark, rows×cols: a
// 2048-wide llama's (TinyLlama 1.1B, Llama-3.2-1B; 8 KV heads of 32, or 4
// of 64), whose layers mix small K and V products with large FFN ones.
var layerShapes = [][2]int{
	{2048, 2048}, {256, 2048}, {256, 2048}, {2048, 2048}, // q, k, v, o
	{5632, 2048}, {5632, 2048}, {2048, 5632}, // gate, up, down
}

// minPasses is the fewest timed passes of the matvec latency benchmark.
const minPasses = 3

// maxRowDivisor is the most layerShapes' rows are divided by for a small
// benchmark: K and V keep a whole group of 8 rows.
const maxRowDivisor = 32

// matVecLatency is the fixed cost of a matrix×vector of format t from
// memory beyond its bytes at rate (the big benchmark's) and op: products
// run in turn through layers of distinct matrices shaped as layerShapes,
// about size bytes of them, so that each comes from memory as in a decode
// step, and a pass's time less its bytes at rate is spread over its
// products, each at its fastest. It includes what each product pays whatever its size
// (converting the input vector, starting the threads on their rows, the
// prefetchers' ramp at a new matrix) and what a real step's shapes cost
// beyond one large matrix's rate: the line through two sizes of one
// 4096-wide shape predicted the 1.1B Q4_0's products at 14 ms where they
// took 18.
func matVecLatency(d backend.Device, t quant.Type, rate, op float64, size int, step time.Duration, s *scratch) (float64, error) {
	hm := d.(backend.HostMapper)
	layerBytes := 0
	rowBytes := map[int]int{}
	for _, sh := range layerShapes {
		rb, err := t.RowBytes(sh[1])
		if err != nil {
			return 0, err
		}
		rowBytes[sh[1]] = rb
		layerBytes += rb * sh[0]
	}
	// A size smaller than a layer (tests; F32's layer is 176 MB) takes
	// fewer rows of each matrix, the widths kept.
	div := 1
	for div < maxRowDivisor && layerBytes/div > size {
		div *= 2
	}
	shapes := make([][2]int, len(layerShapes))
	for i, sh := range layerShapes {
		shapes[i] = [2]int{sh[0] / div, sh[1]}
	}
	layerBytes /= div
	layers := max(size/layerBytes, 1)
	buf := s.bytes(layers * layerBytes)
	rows := map[int][]byte{} // one quantized random row per width
	for cols, rb := range rowBytes {
		src := make([]float32, cols)
		r := rand.New(rand.NewPCG(uint64(t), uint64(cols)))
		for i := range src {
			src[i] = float32(r.NormFloat64() * 0.02)
		}
		row := make([]byte, rb)
		if err := quant.Quantize(t, row, src); err != nil {
			return 0, err
		}
		rows[cols] = row
	}
	type product struct{ dst, x, w *backend.Tensor }
	var prods []product
	var all []*backend.Tensor
	defer func() {
		for _, w := range all {
			d.Free(w)
		}
	}()
	tensor := func(rows, cols int) (*backend.Tensor, error) {
		x, err := d.Alloc(quant.F32, rows, cols)
		if err == nil {
			all = append(all, x)
		}
		return x, err
	}
	xs, dsts := map[int]*backend.Tensor{}, map[int]*backend.Tensor{}
	off := 0
	for range layers {
		for _, sh := range shapes {
			n := rowBytes[sh[1]] * sh[0]
			for i := 0; i < sh[0]; i++ {
				copy(buf[off+i*rowBytes[sh[1]]:], rows[sh[1]])
			}
			w, err := hm.Map(t, sh[0], sh[1], buf[off:off+n])
			if err != nil {
				return 0, err
			}
			all = append(all, w)
			off += n
			if xs[sh[1]] == nil {
				if xs[sh[1]], err = activations(d, 1, sh[1]); err != nil {
					return 0, err
				}
				all = append(all, xs[sh[1]])
			}
			if dsts[sh[0]] == nil {
				if dsts[sh[0]], err = tensor(1, sh[0]); err != nil {
					return 0, err
				}
			}
			prods = append(prods, product{dsts[sh[0]], xs[sh[1]], w})
		}
	}
	// Each product's median time over passes for about step (at least
	// minPasses, after one that prepares the weights: repack). The fastest
	// time was taken before, but on a shared host each product's fastest
	// pass caught the neighbours quiet and together they predicted decode
	// 20–30% too fast; processes that take a core outright are caught by
	// the contention check instead.
	times := make([][]float64, len(prods))
	for pass, start := -1, time.Now(); pass < minPasses || time.Since(start) < step; pass++ {
		for i, p := range prods {
			t0 := time.Now()
			if err := d.MatMul(p.dst, p.x, p.w); err != nil {
				return 0, err
			}
			if err := d.Sync(); err != nil {
				return 0, err
			}
			if pass >= 0 {
				times[i] = append(times[i], time.Since(t0).Seconds())
			}
		}
		if pass < 0 {
			start = time.Now()
		}
	}
	best := make([]float64, len(prods))
	for i, ts := range times {
		slices.Sort(ts)
		best[i] = ts[len(ts)/2]
	}
	var sec float64
	for _, b := range best {
		sec += b
	}
	return max((sec-float64(off)/rate)/float64(len(prods))-op, 0), nil
}
