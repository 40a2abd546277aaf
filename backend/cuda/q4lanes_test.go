package cuda

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/backend/cpu"
	"github.com/tern-llm/tern/quant"
)

// TestQ4_0LanesBits checks that Q4_0 products whose row count is not a
// multiple of 8 (q4Lanes) give the CPU backend's bits for every token count
// below mmaMinTokens: one token and several, a chain of more than 32
// blocks and one of fewer, a single row, many rows, weight rows viewed from
// an offset, and the same products asked for together (MatMulShared, which
// then runs them one by one).
func TestQ4_0LanesBits(t *testing.T) {
	dev, host := gpu(t), cpu.New(2)
	rng := rand.New(rand.NewPCG(31, 31))
	for _, s := range []struct{ n, k, m int }{
		{1, 64, 172}, {5, 64, 172}, {8, 64, 172}, {15, 64, 172},
		{1, 1056, 13}, {6, 1056, 13}, {3, 2048, 33}, {2, 32, 1},
		{1, 96, 9001}, {13, 4096, 7}, {4, 11008, 3},
	} {
		sameAsCPU(t, dev, randomProduct(t, host, dev, rng, quant.Q4_0, s.n, s.k, s.m), fmt.Sprintf("n%d_k%d_m%d", s.n, s.k, s.m))
	}

	sameAsCPU(t, dev, viewedProduct(t, host, dev, rng, quant.Q4_0), "views")

	// a one-token gate and up of 172 rows
	k := 64
	x := f32Pair(t, host, dev, 1, k, randF32(rng, k, 1))
	var ws, outs [2]pair
	for i := range ws {
		ws[i] = newPair(t, host, dev, quant.Q4_0, 172, k, encode(t, quant.Q4_0, 172, k, randF32(rng, 172*k, 0.5)))
		outs[i] = f32Pair(t, host, dev, 1, 172, nil)
		poison(t, dev, outs[i].g)
		if err := host.MatMul(outs[i].c, x.c, ws[i].c); err != nil {
			t.Fatal(err)
		}
	}
	if err := dev.MatMulShared([]*backend.Tensor{outs[0].g, outs[1].g}, x.g, []*backend.Tensor{ws[0].g, ws[1].g}); err != nil {
		t.Fatal(err)
	}
	for i := range outs {
		sameAsCPU(t, dev, outs[i], fmt.Sprintf("shared/%d", i))
	}
}

// sameAsCPU requires the GPU tensor of p to hold the CPU one's bits.
func sameAsCPU(t testing.TB, dev *Device, p pair, what string) {
	t.Helper()
	want, err := cpu.F32(p.c)
	if err != nil {
		t.Fatal(err)
	}
	got := gpuBytes(t, dev, p.g)
	bad, first := 0, -1
	for i, w := range want {
		if binary.LittleEndian.Uint32(got[4*i:]) != math.Float32bits(w) {
			if bad == 0 {
				first = i
			}
			bad++
		}
	}
	if bad > 0 {
		g := math.Float32frombits(binary.LittleEndian.Uint32(got[4*first:]))
		t.Errorf("%s: %d of %d outputs differ from the CPU's bits; first, %d: GPU %v, CPU %v", what, bad, len(want), first, g, want[first])
	}
}
