package quant

import (
	"fmt"
	"testing"
)

// benchElems is the row length the benchmarks use: 64 Ki elements, a whole
// number of blocks of every type.
const benchElems = 1 << 16

// BenchmarkDequantize reports the speed of the reference dequantizers in
// bytes of quantized input per second.
func BenchmarkDequantize(b *testing.B) {
	for _, f := range formats {
		b.Run(f.t.String(), func(b *testing.B) {
			src := quantize(b, f.t, gaussian(1, benchElems, 1))
			dst := make([]float32, benchElems)
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := Dequantize(f.t, dst, src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQuantize reports the speed of the reference quantizers in bytes
// of float32 input per second.
func BenchmarkQuantize(b *testing.B) {
	for _, f := range formats {
		b.Run(f.t.String(), func(b *testing.B) {
			src := gaussian(1, benchElems, 1)
			dst := quantize(b, f.t, src)
			b.SetBytes(int64(4 * len(src)))
			for b.Loop() {
				if err := Quantize(f.t, dst, src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVecDot reports the speed of the reference dot products in bytes
// of weights per second.
func BenchmarkVecDot(b *testing.B) {
	for _, typ := range dotFormats() {
		b.Run(typ.String(), func(b *testing.B) {
			w := quantize(b, typ, gaussian(1, benchElems, 1))
			x := quantize(b, VecDotType(typ), gaussian(2, benchElems, 1))
			b.SetBytes(int64(len(w)))
			var sink float32
			for b.Loop() {
				s, err := VecDot(typ, benchElems, w, x)
				if err != nil {
					b.Fatal(err)
				}
				sink += s
			}
			_ = fmt.Sprint(sink)
		})
	}
}
