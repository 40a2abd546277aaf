//go:build amd64 && gc && !purego

#include "textflag.h"
#include "q4_amd64.h"
#include "kwide_amd64.h"

// Repacked Q4_K in groups of 16 rows (see q4kwide.go), 512-bit vectors:
// one lane a row. A block is 2304 bytes: d at 0, dmin at 32, the three
// lines of packed scales at 64, 128 and 192, and 32 chunks of quants from
// 256. A Q8_K block is 292 bytes, its quants from byte 4; the records'
// sums are 8 int32 a block.

// K4_CHUNK(w, j, p, lo, hi, SH): chunk 8j+p of the block at w (offset SI)
// unpacked, its low nibbles times the activation bytes of elements
// 64j+4p… (at R9) into lo, its high nibbles (times 16, K4_HI brings them
// back) times those of elements 64j+32+4p… into hi. Clobbers Z1, Z2.
#define K4_CHUNK(w, j, p, lo, hi, SH) \
	VMOVDQU32     256+512*j+64*p(w)(SI*1), Z2; \
	VPANDD        Z15, Z2, Z1; \
	VPXORD        Z1, Z2, Z2; \
	VPDPBUSD.BCST 4+64*j+4*p(R9), Z1, lo; \
	VPDPBUSD.BCST 36+64*j+4*p(R9), Z2, hi

#define K4_HI(hi) VPSRAD $4, hi, hi

// K4_BLOCK1, K4_BLOCK2, KX4_BLOCK: a block of the one-run, two-run and
// four-token kernels.
#define K4_BLOCK1 K_BLOCK1(K4_CHUNK, K4_HI, _, _, _, _)
#define K4_BLOCK2 K_BLOCK2(K4_CHUNK, K4_HI, _, _, _, _)
#define KX4_BLOCK KX_BLOCK(KX4_CHUNK, K4_HI, _, _, _, _)

// K4_NEXT1: the one-run kernel past a block (WIDE_ONE takes the blocks
// two at a time, K4_ONE2, and an odd last one, K4_ONE1).
#define K4_NEXT1 \
	ADDQ $2304, SI; \
	ADDQ $292, R9; \
	ADDQ $32, R10; \
	ADDQ $4, R11
#define K4_ONE1 \
	K4_BLOCK1; \
	K4_NEXT1
#define K4_ONE2 \
	K4_ONE1; \
	K4_ONE1

// KX4_NEXT: the four-token kernel past a block (WIDE_X4, as WIDE_ONE).
#define KX4_NEXT \
	ADDQ $2304, SI; \
	ADDQ $292, R9; \
	ADDQ $32, R11; \
	ADDQ $4, R12
#define KX4_ONE1 \
	KX4_BLOCK; \
	KX4_NEXT
#define KX4_ONE2 \
	KX4_ONE1; \
	KX4_ONE1

// func dotWideQ4_KVNNI(out *float32, w *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// bias: the activations' 8 sub-block sums a block (fillQ4KWide).
TEXT ·dotWideQ4_KVNNI(SB), NOSPLIT, $0-56
	WIDE_ONE(K_CONSTS, K4_ONE2, K4_ONE1)

// func dotWideQ4_KTwoVNNI(outA *float32, outB *float32, wA *byte, wB *byte, groups int, x *byte, bias *int32, d *float32, nb int)
// dotWideQ4_KVNNI over two runs of groups at once (group i of wA beside
// group i of wB, each as the one-run kernel computes it): two streams.
// It asks for no lines ahead (prefetcht0 2 KiB ahead, nine lines a group,
// made the 1.1B decode x0.92-0.98 as fast in process, session 21).
TEXT ·dotWideQ4_KTwoVNNI(SB), NOSPLIT, $0-72
	K_TWO(K_CONSTS, K4_BLOCK2, 2304)

// KX4_CHUNK(j, p, SH): chunk 8j+p (at SI) unpacked, into the tokens' low
// and high sums (the high ones times 16).
#define KX4_CHUNK(j, p, SH) \
	VMOVDQU32 256+512*j+64*p(SI), Z2; \
	VPANDD    Z15, Z2, Z1; \
	VPXORD    Z1, Z2, Z2; \
	KX_DOT(4+64*j+4*p, Z1, Z4, Z5, Z6, Z7); \
	KX_DOT(36+64*j+4*p, Z2, Z8, Z9, Z10, Z11)

// func dotWideQ4_Kx4VNNI(out *float32, ostride int, w *byte, groups int, x *byte, xstride int, bias *int32, d *float32, bstride int, nb int)
// Four tokens at once (prefill), as dotWideQ4_0x4VNNI takes them (bias:
// the tokens' 8 sums a block): each token's outputs as the one-token
// kernel computes them.
TEXT ·dotWideQ4_Kx4VNNI(SB), NOSPLIT, $0-80
	WIDE_X4(K_CONSTS, KX4_ONE2, KX4_ONE1)
