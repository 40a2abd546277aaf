package cpu

import (
	"encoding/binary"
	"math"
)

// Q8_0 prefill in token pairs: the AVX-512 kernel keeps two tokens' 8
// lanes of one weight row in one 16-lane vector, so each instruction works
// on 64 weight-activation products while every lane is still computed as
// the one-token kernel computes it (dotLanes8). The activations of a pair
// are laid out once per matmul, block by block, as that kernel reads them:
//
//	bytes   0-63   the two tokens' 32 quants (signed), token 0 first
//	bytes  64-127  16 int32: −128 × the sum of each lane's 4 quants
//	bytes 128-191  16 float32: each token's block scale d_x, once per lane
//
// The weights go in unsigned (w+128, one xor), so Σ(w+128)·x − 128·Σx,
// lane by lane, is the exact integer Σw·x of dotLanes8.
const q8PairRecord = 192

// fillQ8Pair writes token h (0 or 1) of a pair's records (nb blocks,
// q8PairRecord bytes each) from its Q8_0 activation row x.
func fillQ8Pair(rec, x []byte, nb, h int) {
	_ = rec[nb*q8PairRecord-1]
	_ = x[nb*q8Block-1]
	for b := range nb {
		blk := x[b*q8Block:][:q8Block]
		r := rec[b*q8PairRecord:][:q8PairRecord]
		copy(r[32*h:32*h+32], blk[2:])
		dx := math.Float32bits(half(blk))
		for l := range 8 {
			q := blk[2+4*l:][:4]
			s := int32(int8(q[0])) + int32(int8(q[1])) + int32(int8(q[2])) + int32(int8(q[3]))
			binary.LittleEndian.PutUint32(r[64+4*(8*h+l):], uint32(-128*s))
			binary.LittleEndian.PutUint32(r[128+4*(8*h+l):], dx)
		}
	}
}
