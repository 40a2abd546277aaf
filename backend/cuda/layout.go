package cuda

import (
	"fmt"

	"github.com/tern-llm/tern/quant"
)

// Device layout of the 32-element block formats.
//
// GGUF stores a Q8_0 row as blocks of [F16 scale][32 int8] (34 bytes) and a
// Q4_0 row as blocks of [F16 scale][16 bytes of nibbles] (18 bytes), so the
// quants of a block start at an odd multiple of 2 and cannot be loaded 16
// bytes at a time. On the device each row keeps its size but is split: all
// quants of the row first, in block order (each block's bytes as in GGUF),
// then the row's scales. A row that starts 16-byte aligned (row bytes a
// multiple of 16: k a multiple of 256) then has every block's quants
// 16-byte aligned, and a warp reads them in whole 16-byte words.
//
// Q6_K (210-byte blocks of 256: 128 bytes of low 4 bits, 64 of high 2 bits,
// 16 int8 scales, an F16 d) is split the same way into four regions per
// row: all low bits, all high bits, all scales, all d, each in block order.
// With the number of blocks a multiple of 8 (k a multiple of 2048) the
// first three regions of a 16-byte aligned row are 16-byte aligned.
//
// Rows keep their GGUF size, so row views (Tensor.Slice) address the same
// rows on the device; a Reshape that changes the row length of such a
// tensor does not describe its device bytes.

// q6KParts are the sizes of the four parts of a Q6_K block, in order.
var q6KParts = [4]int{128, 64, 16, 2}

// repacked reports whether t has a device layout different from GGUF's.
func repacked(t quant.Type) bool { return t == quant.Q8_0 || t == quant.Q4_0 || t == quant.Q6_K }

// blockQuants is the number of quant bytes of one block of t.
func blockQuants(t quant.Type) int {
	if t == quant.Q4_0 {
		return 16
	}
	return 32
}

// toDevice converts rows×cols of t from GGUF encoding (src) to the device
// layout (dst, same size).
func toDevice(t quant.Type, dst, src []byte, rows, cols int) error {
	return convertRows(t, dst, src, rows, cols, true)
}

// fromDevice converts from the device layout back to GGUF encoding.
func fromDevice(t quant.Type, dst, src []byte, rows, cols int) error {
	return convertRows(t, dst, src, rows, cols, false)
}

func convertRows(t quant.Type, dst, src []byte, rows, cols int, toDev bool) error {
	rb, err := t.RowBytes(cols)
	if err != nil {
		return fmt.Errorf("cuda: %w", err)
	}
	if len(src) != rows*rb || len(dst) != rows*rb {
		return fmt.Errorf("cuda: %d×%d %s needs %d bytes, have %d and %d", rows, cols, t, rows*rb, len(src), len(dst))
	}
	if t == quant.Q6_K {
		convertQ6K(dst, src, rows, rb, toDev)
		return nil
	}
	nb, q := cols/32, blockQuants(t)
	bb := 2 + q
	for r := 0; r < rows; r++ {
		s, o := src[r*rb:(r+1)*rb], dst[r*rb:(r+1)*rb]
		for b := 0; b < nb; b++ {
			gg := s[b*bb : (b+1)*bb] // GGUF block
			dq := o[b*q : (b+1)*q]   // device quants
			ds := o[nb*q+2*b : nb*q+2*b+2]
			if !toDev {
				gg, dq, ds = o[b*bb:(b+1)*bb], s[b*q:(b+1)*q], s[nb*q+2*b:nb*q+2*b+2]
				copy(gg[:2], ds)
				copy(gg[2:], dq)
				continue
			}
			copy(ds, gg[:2])
			copy(dq, gg[2:])
		}
	}
	return nil
}

// convertQ6K moves each block part between GGUF order (block by block) and
// the device regions (part by part).
func convertQ6K(dst, src []byte, rows, rb int, toDev bool) {
	nb := rb / 210
	for r := 0; r < rows; r++ {
		s, o := src[r*rb:(r+1)*rb], dst[r*rb:(r+1)*rb]
		region := 0 // start of the part's region in the device row
		within := 0 // offset of the part in a GGUF block
		for _, size := range q6KParts {
			for b := 0; b < nb; b++ {
				g := b*210 + within   // GGUF
				dv := region + b*size // device
				if toDev {
					copy(o[dv:dv+size], s[g:g+size])
				} else {
					copy(o[g:g+size], s[dv:dv+size])
				}
			}
			region += nb * size
			within += size
		}
	}
}
