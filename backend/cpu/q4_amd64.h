// Instruction sequences shared by the repacked Q4_0 kernels (see repack.go)
// in 256-bit (dot_q_amd64.s: groups of 8 rows, a lane a row) and 512-bit
// (q4wide_amd64.s: groups of 16) vectors: each macro is the same
// instructions the kernels had written out. Per block a row's lane starts
// from bias (-8·Σx) and takes its nibbles times the activations (exact),
// then float, times d_w·d_x and fused into the accumulator, block after
// block. Registers the width decides are arguments; Go's assembler has no
// token pasting.

#include "simd_amd64.h"

// Q4GROUPS(CONSTS, acc, BLOCK, wsize, osize): the whole body of a one-token
// kernel func(out *float32, w *byte, groups int, x *byte, bias *int32, d
// *float32, nb int): arguments in DI, SI, CX, R8, R12, R13 and DX, nothing
// to do when groups or nb is 0; CONSTS once; for each group acc is cleared,
// BLOCK runs on each of the nb blocks (SI the weights, wsize bytes; R9 the
// Q8_0 block, R10 its bias, R11 its d_x) and acc is stored to out (osize
// bytes). Labels are local to each TEXT. Uses AX (CONSTS), BX and R9-R11
// besides what its arguments clobber.
// vet's asmdecl does not look into macros: the argument offsets here are
// the signature's above, the same in every kernel that expands it.
#define Q4GROUPS(CONSTS, acc, BLOCK, wsize, osize) \
	MOVQ  out+0(FP), DI; \
	MOVQ  w+8(FP), SI; \
	MOVQ  groups+16(FP), CX; \
	MOVQ  x+24(FP), R8; \
	MOVQ  bias+32(FP), R12; \
	MOVQ  d+40(FP), R13; \
	MOVQ  nb+48(FP), DX; \
	TESTQ CX, CX; \
	JZ    done; \
	TESTQ DX, DX; \
	JZ    done; \
	CONSTS; \
group: \
	VXORPS acc, acc, acc; \
	MOVQ   R8, R9; \
	MOVQ   R12, R10; \
	MOVQ   R13, R11; \
	MOVQ   DX, BX; \
block: \
	BLOCK; \
	ADDQ $wsize, SI; \
	ADDQ $34, R9; \
	ADDQ $4, R10; \
	ADDQ $4, R11; \
	DECQ BX; \
	JNZ  block; \
	VMOVUPS acc, (DI); \
	ADDQ    $osize, DI; \
	DECQ    CX; \
	JNZ     group; \
done: \
	VZEROUPPER; \
	RET

// Four-token kernels, func(out *float32, ostride int, w *byte, groups int,
// x *byte, xstride int, bias *int32, d *float32, bstride int, nb int):
// token t's activations at x+t·xstride, bias+t·bstride, d+t·bstride, its
// outputs at out+t·ostride (strides in bytes). The weights of a block are
// unpacked once for the four tokens; each token keeps its own accumulator
// (f0-f3), so every output is computed as the one-token kernel does.

// Q4X4GROUPS(CONSTS, BLOCK, wsize, f0, f1, f2, f3, osize): the whole body
// of a four-token kernel: CONSTS once; for each group the tokens' sums
// f0-f3 are cleared, BLOCK runs on each of the nb blocks (SI the weights,
// wsize bytes; R9 token 0's Q8_0 block, R10 = xstride; R11 its bias, R12
// its d_x, R13 = bstride) and the four sums are stored (osize bytes each).
// Labels are local to each TEXT. Uses AX, BX, CX, DX and R9-R13 besides
// what its arguments clobber; vet's asmdecl does not look into it.
#define Q4X4GROUPS(CONSTS, BLOCK, wsize, f0, f1, f2, f3, osize) \
	X4_ARGS(done); \
	CONSTS; \
group: \
	VZERO4(f0, f1, f2, f3); \
	MOVQ   x+32(FP), R9; \
	MOVQ   bias+48(FP), R11; \
	MOVQ   d+56(FP), R12; \
	MOVQ   nb+72(FP), BX; \
block: \
	BLOCK; \
	ADDQ $wsize, SI; \
	ADDQ $34, R9; \
	ADDQ $4, R11; \
	ADDQ $4, R12; \
	DECQ BX; \
	JNZ  block; \
	X4_STORE(f0, f1, f2, f3, osize); \
	DECQ    CX; \
	JNZ     group; \
done: \
	VZEROUPPER; \
	RET

// Q4X4_DOT(xoff, w, a0, a1, a2, a3): token t's integer lanes at += the
// nibbles w times its four activation bytes at xoff in its Q8_0 block,
// broadcast (vpdpbusd; DX: token 2's block).
#define Q4X4_DOT(xoff, w, a0, a1, a2, a3) \
	VPDPBUSD.BCST xoff(R9), w, a0; \
	VPDPBUSD.BCST xoff(R9)(R10*1), w, a1; \
	VPDPBUSD.BCST xoff(DX), w, a2; \
	VPDPBUSD.BCST xoff(DX)(R10*1), w, a3

// Q4X4_DOTS(w1, ..., w8, l0, h0, ..., l3, h3): a block's integer lanes for
// the four tokens from its unpacked nibbles w1-w8 (low, high, low, high…
// of the 16-byte quarters in repack order): token t's low-nibble lanes in
// lt, starting from its bias, its high-nibble lanes in ht, from 0.
// Leaves DX, AX and R8 at token 2's activations, bias and d_x.
#define Q4X4_DOTS(w1, w2, w3, w4, w5, w6, w7, w8, l0, h0, l1, h1, l2, h2, l3, h3) \
	LEAQ         (R9)(R10*2), DX; \
	LEAQ         (R11)(R13*2), AX; \
	LEAQ         (R12)(R13*2), R8; \
	VPBROADCASTD (R11), l0; \
	VPXORD       h0, h0, h0; \
	VPBROADCASTD (R11)(R13*1), l1; \
	VPXORD       h1, h1, h1; \
	VPBROADCASTD (AX), l2; \
	VPXORD       h2, h2, h2; \
	VPBROADCASTD (AX)(R13*1), l3; \
	VPXORD       h3, h3, h3; \
	Q4X4_DOT(2, w1, l0, l1, l2, l3); \
	Q4X4_DOT(18, w2, h0, h1, h2, h3); \
	Q4X4_DOT(6, w3, l0, l1, l2, l3); \
	Q4X4_DOT(22, w4, h0, h1, h2, h3); \
	Q4X4_DOT(10, w5, l0, l1, l2, l3); \
	Q4X4_DOT(26, w6, h0, h1, h2, h3); \
	Q4X4_DOT(14, w7, l0, l1, l2, l3); \
	Q4X4_DOT(30, w8, h0, h1, h2, h3)

// Q4X4_FUSE(lo, hi, dx, s, acc): a token's block: lo += hi, converted,
// times d_w·d_x (s: the rows' d_w, dx: the token's d_x) and fused into
// acc. Clobbers lo, hi.
#define Q4X4_FUSE(lo, hi, dx, s, acc) \
	VPADDD      hi, lo, lo; \
	VCVTDQ2PS   lo, lo; \
	VMULPS.BCST dx, s, hi; \
	VFMADD231PS hi, lo, acc

// Loads of a 64-byte chunk of a repacked 16-row group (see repack.go):
// WIDE_LD(base, off, z, y) loads the aligned chunk at off(base)(SI*1)
// into z; WIDE_LDY loads it as two 256-bit halves (y is z's lower half),
// for an odd last block, whose chunks start 32 bytes into a cache line
// (a 512-bit load across two lines is slower than two loads). WIDE_LD0 and
// WIDE_LDY0 are the same at off(base).
#define WIDE_LD(base, off, z, y) \
	VMOVDQU32 off(base)(SI*1), z
#define WIDE_LDY(base, off, z, y) \
	VMOVDQU32    off(base)(SI*1), y; \
	VINSERTI64X4 $1, off+32(base)(SI*1), z, z
#define WIDE_LD0(base, off, z, y) \
	VMOVDQU32 off(base), z
#define WIDE_LDY0(base, off, z, y) \
	VMOVDQU32    off(base), y; \
	VINSERTI64X4 $1, off+32(base), z, z

// FOUR_STORE(a, b, c, d): a four-run one-token kernel's group sums a-d
// stored at outA…outD+DI, DI moved on a group (64 bytes). Clobbers AX.
// vet's asmdecl does not look into it: the offsets are the signature's,
// the same in every four-run kernel.
#define FOUR_STORE(a, b, c, d) \
	MOVQ    outA+0(FP), AX; \
	VMOVUPS a, (AX)(DI*1); \
	MOVQ    outB+8(FP), AX; \
	VMOVUPS b, (AX)(DI*1); \
	MOVQ    outC+16(FP), AX; \
	VMOVUPS c, (AX)(DI*1); \
	MOVQ    outD+24(FP), AX; \
	VMOVUPS d, (AX)(DI*1); \
	ADDQ    $64, DI

// X4_STORE(f0, f1, f2, f3, osize): a four-token kernel's sums f0-f3
// stored at DI + t·ostride, DI moved on osize bytes. Clobbers AX, DX.
#define X4_STORE(f0, f1, f2, f3, osize) \
	MOVQ    ostride+8(FP), AX; \
	VMOVUPS f0, (DI); \
	VMOVUPS f1, (DI)(AX*1); \
	LEAQ    (DI)(AX*2), DX; \
	VMOVUPS f2, (DX); \
	VMOVUPS f3, (DX)(AX*1); \
	ADDQ    $osize, DI

// X4_ARGS(done): a four-token kernel's arguments: out in DI, w in SI,
// groups in CX, xstride in R10, bstride in R13; to done when groups or nb
// is 0.
#define X4_ARGS(done) \
	MOVQ  out+0(FP), DI; \
	MOVQ  w+16(FP), SI; \
	MOVQ  groups+24(FP), CX; \
	MOVQ  xstride+40(FP), R10; \
	MOVQ  bstride+64(FP), R13; \
	TESTQ CX, CX; \
	JZ    done; \
	CMPQ  nb+72(FP), $0; \
	JE    done

// WIDE_PAIRS(TWO, ODD, nb): a group's blocks, BX the blocks left: TWO on
// each pair, then ODD on an odd last one (nb's low bit: a register or an
// argument). Labels pair, odd and end are local to each TEXT.
#define WIDE_PAIRS(TWO, ODD, nb) \
	SHRQ  $1, BX; \
	JZ    odd; \
pair: \
	TWO; \
	DECQ  BX; \
	JNZ   pair; \
odd: \
	TESTQ $1, nb; \
	JZ    end; \
	ODD; \
end:

// WIDE_FOUR(CONSTS, PAIR, ODD, f0, f1, f2, f3): the whole body of a four-run
// one-token kernel of a format repacked in 16-row groups with blocks in
// pairs, func(outA, outB, outC, outD *float32, wA, wB, wC, wD *byte,
// groups int, x *byte, bias *int32, d *float32, nb int): the runs'
// weights in R12, R13, R8 and DX (offset SI), CONSTS once; for each group
// the float sums f0-f3 cleared, R9, R10 and R11 set to the activations,
// bias and d_x, PAIR on each pair of blocks (moving SI and R9-R11 past
// it), ODD on an odd last block (moving SI past it), and the sums stored
// (FOUR_STORE). Labels are local to each TEXT; vet's asmdecl does not
// look into it.
#define WIDE_FOUR(CONSTS, PAIR, ODD, f0, f1, f2, f3) \
	MOVQ  wA+32(FP), R12; \
	MOVQ  wB+40(FP), R13; \
	MOVQ  wC+48(FP), R8; \
	MOVQ  wD+56(FP), DX; \
	MOVQ  groups+64(FP), CX; \
	TESTQ CX, CX; \
	JZ    done; \
	MOVQ  nb+96(FP), BX; \
	TESTQ BX, BX; \
	JZ    done; \
	CONSTS; \
	XORQ  SI, SI; \
	XORQ  DI, DI; \
group: \
	VXORPS f0, f0, f0; \
	VXORPS f1, f1, f1; \
	VXORPS f2, f2, f2; \
	VXORPS f3, f3, f3; \
	MOVQ   x+72(FP), R9; \
	MOVQ   bias+80(FP), R10; \
	MOVQ   d+88(FP), R11; \
	MOVQ   nb+96(FP), BX; \
	WIDE_PAIRS(PAIR, ODD, nb+96(FP)); \
	FOUR_STORE(f0, f1, f2, f3); \
	DECQ   CX; \
	JNZ    group; \
done: \
	VZEROUPPER; \
	RET

// WIDE_X4(CONSTS, PAIR, ODD): the whole body of a four-token kernel of a
// format repacked in 16-row groups, two blocks at a time (X4_ARGS' and
// Q4X4GROUPS' arguments): for each group the tokens' sums Z16-Z19
// cleared, R9, R11 and R12 set to token 0's activations, bias and d_x,
// PAIR on each pair of blocks (moving SI and R9, R11, R12 past it), ODD
// on an odd last block (moving SI past it), and the sums stored
// (X4_STORE). Labels are local to each TEXT.
#define WIDE_X4(CONSTS, PAIR, ODD) \
	X4_ARGS(done); \
	CONSTS; \
group: \
	VZERO4(Z16, Z17, Z18, Z19); \
	MOVQ  nb+72(FP), BX; \
	MOVQ  x+32(FP), R9; \
	MOVQ  bias+48(FP), R11; \
	MOVQ  d+56(FP), R12; \
	WIDE_PAIRS(PAIR, ODD, nb+72(FP)); \
	X4_STORE(Z16, Z17, Z18, Z19, 64); \
	DECQ  CX; \
	JNZ   group; \
done: \
	VZEROUPPER; \
	RET

// WIDE_ONE(CONSTS, TWO, LAST): the whole body of a one-run one-token
// kernel of a format repacked in 16-row groups, two blocks at a time (a
// pair, where the format lays its blocks in pairs),
// func(out *float32, w *byte, groups int, x *byte, bias *int32, d
// *float32, nb int): the weights at AX (offset SI), CONSTS once (before
// AX is set); for each group the float sums Z0 cleared, R9, R10 and R11
// set to the activations, bias and d_x, TWO on each pair of blocks
// (moving SI and R9-R11 past it), LAST on an odd last block (moving SI
// past it), and Z0 stored. Uses BX, CX, DX, DI. Labels are local to each
// TEXT.
#define WIDE_ONE(CONSTS, TWO, LAST) WIDE_GROUPS(CONSTS, WIDE_CLEAR, TWO, LAST, WIDE_STORE)
#define WIDE_CLEAR VXORPS Z0, Z0, Z0
#define WIDE_STORE VMOVUPS Z0, (DI)

// WIDE_GROUPS(CONSTS, GROUP, TWO, LAST, END) is WIDE_ONE with GROUP at the
// start of each group (its sums cleared) and END at its end (its outputs
// stored at DI).
#define WIDE_GROUPS(CONSTS, GROUP, TWO, LAST, END) \
	MOVQ  out+0(FP), DI; \
	MOVQ  groups+16(FP), CX; \
	MOVQ  nb+48(FP), DX; \
	TESTQ CX, CX; \
	JZ    done; \
	TESTQ DX, DX; \
	JZ    done; \
	CONSTS; \
	MOVQ  w+8(FP), AX; \
	XORQ  SI, SI; \
group: \
	GROUP; \
	MOVQ   x+24(FP), R9; \
	MOVQ   bias+32(FP), R10; \
	MOVQ   d+40(FP), R11; \
	MOVQ   DX, BX; \
	WIDE_PAIRS(TWO, LAST, DX); \
	END; \
	ADDQ    $64, DI; \
	DECQ    CX; \
	JNZ     group; \
done: \
	VZEROUPPER; \
	RET

// WIDE_TWO(CONSTS, GROUP, BLOCK, NEXT, END): the whole body of a two-run
// one-token kernel of a format repacked in 16-row groups, a block at a
// time, func(outA, outB *float32, wA, wB *byte, groups int, x *byte, bias
// *int32, d *float32, nb int): the runs' weights at R12 and R13 (offset
// SI), CONSTS once; for each group GROUP (its sums cleared), R9, R10 and
// R11 set to the activations, bias and d_x, BLOCK and NEXT (moving SI and
// R9-R11 past it) on each block, then END (the outputs stored at DI and
// R15). Uses BX, CX, DX. Labels are local to each TEXT.
#define WIDE_TWO(CONSTS, GROUP, BLOCK, NEXT, END) \
	MOVQ  outA+0(FP), DI; \
	MOVQ  outB+8(FP), R15; \
	MOVQ  wA+16(FP), R12; \
	MOVQ  wB+24(FP), R13; \
	MOVQ  groups+32(FP), CX; \
	MOVQ  nb+64(FP), DX; \
	TESTQ CX, CX; \
	JZ    done; \
	TESTQ DX, DX; \
	JZ    done; \
	CONSTS; \
	XORQ  SI, SI; \
group: \
	GROUP; \
	MOVQ  x+40(FP), R9; \
	MOVQ  bias+48(FP), R10; \
	MOVQ  d+56(FP), R11; \
	MOVQ  DX, BX; \
block: \
	BLOCK; \
	NEXT; \
	DECQ  BX; \
	JNZ   block; \
	END; \
	ADDQ  $64, DI; \
	ADDQ  $64, R15; \
	DECQ  CX; \
	JNZ   group; \
done: \
	VZEROUPPER; \
	RET
