//go:build arm64 && gc && !purego

package cpu

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// BenchmarkDecodeARM64 runs each decode kernel that has NEON code on 256
// weight rows of 2048 at every level (dotprod, neon, generic), one after
// another, so that one run on an Apple or Graviton core compares them;
// bytes/s counts the weights read. Under qemu the numbers mean nothing.
func BenchmarkDecodeARM64(b *testing.B) {
	r := rand.New(rand.NewPCG(41, 42))
	const rows, k = 256, 2048
	out := make([]float32, rows)

	q8w, q8stride, q8x := q8Rows(r, rows, k/32, 0)
	_, q4packed, _, q4a := q4Groups(r, rows, k/32)
	q4kw, q4kstride, q8k := kRows(b, r, quant.Q4_K, q4KBlock, rows, k/256, 0)
	q6kw, q6kstride, _ := kRows(b, r, quant.Q6_K, q6KBlock, rows, k/256, 0)
	tq2w := make([]byte, rows*k/256*tq2Block)
	if err := quant.Quantize(quant.TQ2_0, tq2w, randRow(r, rows*k)); err != nil {
		b.Fatal(err)
	}
	f16w := make([]byte, 2*rows*k)
	for i, v := range randRow(r, rows*k) {
		binary.LittleEndian.PutUint16(f16w[2*i:], quant.F32ToF16(v))
	}
	f32w, x := randRow(r, rows*k), randRow(r, k)
	wf := make([]float32, k)

	kernels := []struct {
		name  string
		bytes int
		run   func()
	}{
		{"Q8_0", len(q8w), func() { dotRowsQ8_0(out, q8w, q8stride, q8x, k/32) }},
		{"Q4_0", len(q4packed), func() { dotGroupsQ4_0(out, q4packed, k/32, q4a) }},
		{"Q4_K", len(q4kw), func() { dotRowsQ4_K(out, q4kw, q4kstride, q8k, k/256) }},
		{"Q6_K", len(q6kw), func() { dotRowsQ6_K(out, q6kw, q6kstride, q8k, k/256) }},
		{"TQ2_0", len(tq2w), func() { dotRowsTQ2_0(out, tq2w, k/256*tq2Block, q8k, k/256) }},
		{"F16", len(f16w), func() {
			for j := range rows {
				out[j] = vecDotF16(f16s(wf, f16w[2*j*k:]), x)
			}
		}},
		{"F32", 4 * len(f32w), func() {
			for j := range rows {
				out[j] = vecDotF32(f32w[j*k:(j+1)*k], x)
			}
		}},
	}
	for _, kn := range kernels {
		for _, l := range levels() {
			b.Run(kn.name+"/"+l.name, func(b *testing.B) {
				defer l.set()()
				b.SetBytes(int64(kn.bytes))
				for b.Loop() {
					kn.run()
				}
			})
		}
	}
}

// BenchmarkPrefillARM64 compares the four-token Q4_0 (repacked), Q8_0,
// Q4_K and Q6_K kernels with four one-token calls on 256 rows of 2048 (bytes/s of
// weights; each weight byte meets four tokens).
func BenchmarkPrefillARM64(b *testing.B) {
	if !useDotProd {
		b.Skip("no FEAT_DotProd")
	}
	r := rand.New(rand.NewPCG(45, 46))
	const rows, nb = 256, 64
	_, packed, _, _ := q4Groups(r, rows, nb)
	xb := nb * q8Block
	xq := make([]byte, multiToken*xb)
	bias := make([]int32, multiToken*nb)
	d := make([]float32, multiToken*nb)
	acts := make([]q4Act, multiToken)
	for t := range acts {
		if err := quantizeActivations(quant.Q8_0, xq[t*xb:(t+1)*xb], randRow(r, 32*nb)); err != nil {
			b.Fatal(err)
		}
		acts[t].fill(xq[t*xb:(t+1)*xb], bias[t*nb:(t+1)*nb], d[t*nb:(t+1)*nb])
	}
	all := make([]float32, multiToken*rows)
	var out [multiToken][]float32
	for t := range out {
		out[t] = all[t*rows : (t+1)*rows]
	}
	b.Run("Q4_0/x4", func(b *testing.B) {
		b.SetBytes(int64(len(packed)))
		for b.Loop() {
			dotGroupsQ4_0x4(out, packed, nb, acts)
		}
	})
	b.Run("Q4_0/onetoken", func(b *testing.B) {
		b.SetBytes(int64(len(packed)))
		for b.Loop() {
			for t := range acts {
				dotGroupsQ4_0(out[t], packed, nb, &acts[t])
			}
		}
	})

	w8, stride8, _ := q8Rows(r, rows, nb, 0)
	d8 := make([]float32, multiToken*nb)
	for t := range multiToken {
		for j := range nb {
			d8[t*nb+j] = half(xq[t*xb+j*q8Block:])
		}
	}
	b.Run("Q8_0/x4", func(b *testing.B) {
		b.SetBytes(int64(len(w8)))
		for b.Loop() {
			dotRowsQ8_0x4(out, w8, stride8, xq, xb, nil, d8, nb)
		}
	})
	b.Run("Q8_0/onetoken", func(b *testing.B) {
		b.SetBytes(int64(len(w8)))
		for b.Loop() {
			for t := range multiToken {
				dotRowsQ8_0(out[t], w8, stride8, xq[t*xb:], nb)
			}
		}
	})
	xk := make([]byte, multiToken*(nb/8)*q8KBlock)
	if err := quant.Quantize(quant.Q8_K, xk, randRow(r, multiToken*nb*32)); err != nil {
		b.Fatal(err)
	}
	for _, c := range kQuantCases {
		kb := (nb / 8) * q8KBlock
		w, stride, _ := kRows(b, r, c.typ, c.block, rows, nb/8, 0)
		x4 := dotRowsQ4_Kx4
		if c.typ == quant.Q6_K {
			x4 = dotRowsQ6_Kx4
		}
		b.Run(c.typ.String()+"/x4", func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				x4(out, w, stride, xk, kb, nb/8)
			}
		})
		b.Run(c.typ.String()+"/onetoken", func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				for t := range multiToken {
					c.rows(out[t], w, stride, xk[t*kb:], nb/8)
				}
			}
		})
	}
}
