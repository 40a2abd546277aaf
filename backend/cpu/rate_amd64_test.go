//go:build amd64 && gc && !purego

package cpu

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/tern-llm/tern/quant"
)

// BenchmarkKernelRate runs the one-token two-run kernels (Q4_0 repacked in
// 16-row groups, also as four runs, Q8_0 and TQ2_0 repacked as four runs,
// Q2_K, Q3_K, Q4_K and Q6_K repacked, Q8_0 in 512-bit and in 256-bit vectors, Q4_K,
// TQ2_0) and
// the two-stream read over weights that fit in a
// core's L2 (512 KiB a thread), in L3 (8 MiB) and far past the caches (128
// MiB a thread), on 1 and 2 threads, each thread its own copy: bytes/s of
// weights. A kernel whose in-cache rate is far above its rate from memory
// is bound by memory there; one whose rates are close is bound by its
// instructions (bench/cpu-12-14.md, session 12).
func BenchmarkKernelRate(b *testing.B) {
	if !useVNNI || !useAVX512 || !useK4x4BW {
		b.Skip("no AVX-512 VNNI")
	}
	const k = 2048
	nb := k / 32
	r := rand.New(rand.NewPCG(41, 42))
	xq := make([]byte, nb*q8Block)
	if err := quantizeActivations(quant.Q8_0, xq, randRow(r, k)); err != nil {
		b.Fatal(err)
	}
	var act q4Act
	fillQ4Act(&act, xq, make([]int32, nb), make([]float32, nb))
	// pattern is 64 rows of each format, copied over each thread's buffer.
	q8 := make([]byte, 64*nb*q8Block)
	q4 := make([]byte, 64*nb*q4Block)
	for i := range 64 {
		row := randRow(r, k)
		if err := quant.Quantize(quant.Q8_0, q8[i*nb*q8Block:][:nb*q8Block], row); err != nil {
			b.Fatal(err)
		}
		if err := quant.Quantize(quant.Q4_0, q4[i*nb*q4Block:][:nb*q4Block], row); err != nil {
			b.Fatal(err)
		}
	}
	// Q4_K and TQ2_0: 8 blocks of 256 a row, their activations laid out as
	// the 512-bit kernels take them (records, made once per product).
	q4k := make([]byte, 64*8*q4KBlock)
	tq2 := make([]byte, 64*8*tq2Block)
	for i := range 64 {
		row := randRow(r, k)
		if err := quant.Quantize(quant.Q4_K, q4k[i*8*q4KBlock:][:8*q4KBlock], row); err != nil {
			b.Fatal(err)
		}
		if err := quant.Quantize(quant.TQ2_0, tq2[i*8*tq2Block:][:8*tq2Block], row); err != nil {
			b.Fatal(err)
		}
	}
	xk := make([]byte, 8*q8KBlock)
	if err := quantizeRow(quant.Q8_K, xk, randRow(r, k)); err != nil {
		b.Fatal(err)
	}
	recK, recT := make([]byte, 8*q4kRecord), make([]byte, 8*tq2Record)
	fillQ4K(recK, xk, 8)
	fillTQ2(recT, xk, 8)
	q4p := make([]byte, len(q4))
	repackGroups(q4p, q4, 0, 64/q4WideRows, nb, q4WideRows)
	q8p := make([]byte, len(q8))
	repackQ8Groups(q8p, q8, 0, 64/q4WideRows, nb)
	tq2p := make([]byte, len(tq2))
	repackTQ2Groups(tq2p, tq2, 0, 64/q4WideRows, 8)
	q6k := make([]byte, 64*8*q6KBlock)
	for i := range 64 {
		if err := quant.Quantize(quant.Q6_K, q6k[i*8*q6KBlock:][:8*q6KBlock], randRow(r, k)); err != nil {
			b.Fatal(err)
		}
	}
	q3k := make([]byte, 64*8*q3KBlock)
	for i := range 64 {
		if err := quant.Quantize(quant.Q3_K, q3k[i*8*q3KBlock:][:8*q3KBlock], randRow(r, k)); err != nil {
			b.Fatal(err)
		}
	}
	q3kp := make([]byte, len(q3k))
	repackQ3KGroups(q3kp, q3k, 0, 64/q4WideRows, 8)
	act3 := q4Act{bias: make([]int32, q3KRecs*8), d: make([]float32, 8)}
	fillQ3KWide(&act3, xk, 8)
	q2k := make([]byte, 64*8*q2KBlock)
	for i := range 64 {
		if err := quant.Quantize(quant.Q2_K, q2k[i*8*q2KBlock:][:8*q2KBlock], randRow(r, k)); err != nil {
			b.Fatal(err)
		}
	}
	q2kp, q4kp, q6kp := make([]byte, len(q2k)), make([]byte, len(q4k)), make([]byte, len(q6k))
	repackQ2KGroups(q2kp, q2k, 0, 64/q4WideRows, 8)
	repackQ4KGroups(q4kp, q4k, 0, 64/q4WideRows, 8)
	repackQ6KGroups(q6kp, q6k, 0, 64/q4WideRows, 8)
	actK := q4Act{bias: make([]int32, 8*8), d: make([]float32, 8)}
	fillQ4KWide(&actK, xk, 8)
	act2 := q4Act{bias: make([]int32, 8*8), d: make([]float32, 8)}
	fillQ2KWide(&act2, xk, 8)
	act6 := q4Act{bias: make([]int32, 16*8), d: make([]float32, 8)}
	fillQ6KWide(&act6, xk, 8)
	var act8 q4Act
	quantizeQ8WideAct(&act8, make([]byte, nb*q8Block), randRow(r, k), make([]int32, nb), make([]float32, nb))
	actT := q4Act{bias: make([]int32, 8), d: make([]float32, 8)}
	fillTQ2Wide(&actT, xk, 8)
	type kern struct {
		name    string
		pattern []byte
		unit    int // bytes of a row (Q8_0) or a 16-row group (Q4_0)
		run     func(buf []byte, n int, out []float32)
	}
	kerns := []kern{
		{"Q4_0", q4p, nb * q4WideBlock, func(buf []byte, n int, out []float32) {
			dotWideQ4_0TwoVNNI(&out[0], &out[len(out)/2], &buf[0], &buf[n*nb*q4WideBlock], n, &act.q[0], &act.bias[0], &act.d[0], nb)
		}},
		{"Q4_0-four", q4p, nb * q4WideBlock, func(buf []byte, n int, out []float32) {
			rb, h, o := nb*q4WideBlock, n/2, len(out)/2
			if h > 0 {
				dotWideQ4_0FourVNNI(&out[0], &out[h*q4WideRows], &out[o], &out[o+h*q4WideRows], &buf[0], &buf[h*rb], &buf[n*rb], &buf[(n+h)*rb], h, &act.q[0], &act.bias[0], &act.d[0], nb)
			}
		}},
		{"Q8_0-wide-four", q8p, nb * q8WideBlock, func(buf []byte, n int, out []float32) {
			rb, h, o := nb*q8WideBlock, n/2, len(out)/2
			if h > 0 {
				dotWideQ8_0FourVNNI(&out[0], &out[h*q4WideRows], &out[o], &out[o+h*q4WideRows], &buf[0], &buf[h*rb], &buf[n*rb], &buf[(n+h)*rb], h, &act8.q[0], &act8.bias[0], &act8.d[0], nb)
			}
		}},
		{"TQ2_0-wide-four", tq2p, 8 * tq2WideBlock, func(buf []byte, n int, out []float32) {
			rb, h, o := 8*tq2WideBlock, n/2, len(out)/2
			if h > 0 {
				dotWideTQ2_0FourVNNI(&out[0], &out[h*q4WideRows], &out[o], &out[o+h*q4WideRows], &buf[0], &buf[h*rb], &buf[n*rb], &buf[(n+h)*rb], h, &actT.q[0], &actT.bias[0], &actT.d[0], 8)
			}
		}},
		{"Q2_K-wide", q2kp, 8 * q2KWideBlock, func(buf []byte, n int, out []float32) {
			dotWideQ2_KTwoVNNI(&out[0], &out[len(out)/2], &buf[0], &buf[n*8*q2KWideBlock], n, &act2.q[0], &act2.bias[0], &act2.d[0], 8)
		}},
		{"Q4_K-wide", q4kp, 8 * q4KWideBlock, func(buf []byte, n int, out []float32) {
			dotWideQ4_KTwoVNNI(&out[0], &out[len(out)/2], &buf[0], &buf[n*8*q4KWideBlock], n, &actK.q[0], &actK.bias[0], &actK.d[0], 8)
		}},
		{"Q6_K-wide", q6kp, 8 * q6KWideBlock, func(buf []byte, n int, out []float32) {
			dotWideQ6_KTwoVNNI(&out[0], &out[len(out)/2], &buf[0], &buf[n*8*q6KWideBlock], n, &act6.q[0], &act6.bias[0], &act6.d[0], 8)
		}},
		{"Q6_K-wide-one", q6kp, 8 * q6KWideBlock, func(buf []byte, n int, out []float32) {
			dotWideQ6_KVNNI(&out[0], &buf[0], 2*n, &act6.q[0], &act6.bias[0], &act6.d[0], 8)
		}},
		{"Q3_K-wide", q3kp, 8 * q3KWideBlock, func(buf []byte, n int, out []float32) {
			dotWideQ3_KTwoVNNI(&out[0], &out[len(out)/2], &buf[0], &buf[n*8*q3KWideBlock], n, &act3.q[0], &act3.bias[0], &act3.d[0], 8)
		}},
		{"Q3_K-wide-one", q3kp, 8 * q3KWideBlock, func(buf []byte, n int, out []float32) {
			dotWideQ3_KVNNI(&out[0], &buf[0], 2*n, &act3.q[0], &act3.bias[0], &act3.d[0], 8)
		}},
		{"Q8_0", q8, nb * q8Block, func(buf []byte, n int, out []float32) {
			rb := nb * q8Block
			dotRowsQ8_0TwoZ(&out[0], &out[len(out)/2], &buf[0], &buf[n*rb], rb, &xq[0], nb, n)
		}},
		{"Q8_0-256bit", q8, nb * q8Block, func(buf []byte, n int, out []float32) {
			rb := nb * q8Block
			dotRowsQ8_0TwoVNNI(&out[0], &out[len(out)/2], &buf[0], &buf[n*rb], rb, &xq[0], nb, n)
		}},
		{"Q4_K", q4k, 8 * q4KBlock, func(buf []byte, n int, out []float32) {
			rb := 8 * q4KBlock
			dotRowsQ4_KZTwo(&out[0], &out[len(out)/2], &buf[0], n*rb, rb, &xk[0], &recK[0], 8, n)
		}},
		{"Q4_K-gfni", q4k, 8 * q4KBlock, func(buf []byte, n int, out []float32) {
			rb := 8 * q4KBlock
			if useGFNI {
				dotRowsQ4_KZTwoGF(&out[0], &out[len(out)/2], &buf[0], n*rb, rb, &xk[0], &recK[0], 8, n)
			}
		}},
		{"TQ2_0", tq2, 8 * tq2Block, func(buf []byte, n int, out []float32) {
			rb := 8 * tq2Block
			dotRowsTQ2_0ZTwo(&out[0], &out[len(out)/2], &buf[0], &buf[n*rb], rb, &recT[0], 8, n)
		}},
		{"TQ2_0-gfni", tq2, 8 * tq2Block, func(buf []byte, n int, out []float32) {
			rb := 8 * tq2Block
			if useGFNI {
				dotRowsTQ2_0ZTwoGF(&out[0], &out[len(out)/2], &buf[0], &buf[n*rb], rb, &recT[0], 8, n)
			}
		}},
		{"TQ2_0-four", tq2, 8 * tq2Block, func(buf []byte, n int, out []float32) {
			rb, h := 8*tq2Block, n/2
			if useGFNI && h > 0 {
				dotRowsTQ2_0ZFourGF(&out[0], &out[h], &out[len(out)/2], &out[len(out)/2+h], &buf[0], &buf[h*rb], &buf[n*rb], &buf[(n+h)*rb], rb, &recT[0], 8, h)
			}
		}},
		{"read", q8, nb * q8Block, func(buf []byte, n int, out []float32) {
			rb := nb * q8Block
			out[0] = float32(streamRead2AVX2(&buf[0], n*rb, n*rb))
		}},
	}
	for _, size := range []int{512 << 10, 8 << 20, 128 << 20} {
		for _, threads := range []int{1, 2} {
			for _, kn := range kerns {
				benchKernelRate(b, kn.name, kn.pattern, kn.unit, size, threads, kn.run)
			}
		}
	}
}

// benchKernelRate runs run on threads buffers of about size bytes (two
// runs of n units each), each thread over its own, enough passes a round
// to read 64 MiB a thread.
func benchKernelRate(b *testing.B, name string, pattern []byte, unit, size, threads int, run func(buf []byte, n int, out []float32)) {
	n := max(1, size/(2*unit))
	bufs := make([][]byte, threads)
	outs := make([][]float32, threads)
	for t := range bufs {
		buf, release := hugeBytes(2 * n * unit)
		b.Cleanup(release)
		for i := 0; i < len(buf); i += len(pattern) {
			copy(buf[i:], pattern)
		}
		bufs[t] = buf
		outs[t] = make([]float32, 2*n*16)
	}
	passes := max(1, (64<<20)/(2*n*unit))
	b.Run(fmt.Sprintf("%s/%dKiB/threads=%d", name, 2*n*unit>>10, threads), func(b *testing.B) {
		b.SetBytes(int64(threads * passes * 2 * n * unit))
		for b.Loop() {
			var wg sync.WaitGroup
			for t := range threads {
				wg.Add(1)
				go func() {
					defer wg.Done()
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					for range passes {
						run(bufs[t], n, outs[t])
					}
				}()
			}
			wg.Wait()
		}
	})
}
