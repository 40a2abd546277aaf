// NEON instructions that Go's arm64 assembler does not know, as WORDs.
// Arguments are register numbers (V0-V31 → 0-31); each macro names the
// instruction in the ARM manual's syntax. Encodings from the Arm A64
// manual, checked with llvm-mc -show-encoding.

// SDOT Vd.4S, Vn.16B, Vm.16B (FEAT_DotProd): lane i += Σ bytes 4i..4i+3.
#define SDOT(d, n, m) WORD $(0x4e809400 | (m)<<16 | (n)<<5 | (d))
// SDOT Vd.4S, Vn.16B, Vm.4B[i] (FEAT_DotProd): lane i of Vm's words.
#define SDOTE(d, n, m, i) WORD $(0x4f80e000 | ((i)&1)<<21 | ((i)>>1)<<11 | (m)<<16 | (n)<<5 | (d))
// SMULL Vd.8H, Vn.8B, Vm.8B and SMULL2 (the upper 8 bytes).
#define SMULL8(d, n, m) WORD $(0x0e20c000 | (m)<<16 | (n)<<5 | (d))
#define SMULL16(d, n, m) WORD $(0x4e20c000 | (m)<<16 | (n)<<5 | (d))
// SMLAL Vd.8H, Vn.8B, Vm.8B and SMLAL2 (the upper 8 bytes).
#define SMLAL8(d, n, m) WORD $(0x0e208000 | (m)<<16 | (n)<<5 | (d))
#define SMLAL16(d, n, m) WORD $(0x4e208000 | (m)<<16 | (n)<<5 | (d))
// SADDLP Vd.4S, Vn.8H: lane i = h[2i] + h[2i+1].
#define SADDLP(d, n) WORD $(0x4e602800 | (n)<<5 | (d))
// ADDP Vd.4S, Vn.4S, Vm.4S: pairs of n, then pairs of m.
#define ADDP4S(d, n, m) WORD $(0x4ea0bc00 | (m)<<16 | (n)<<5 | (d))
// ADD Vd.4S, Vn.4S, Vm.4S.
#define ADD4S(d, n, m) WORD $(0x4ea08400 | (m)<<16 | (n)<<5 | (d))
// SCVTF Vd.4S, Vn.4S.
#define SCVTF4S(d, n) WORD $(0x4e21d800 | (n)<<5 | (d))
// FADD, FMUL Vd.4S, Vn.4S, Vm.4S.
#define FADD4S(d, n, m) WORD $(0x4e20d400 | (m)<<16 | (n)<<5 | (d))
#define FMUL4S(d, n, m) WORD $(0x6e20dc00 | (m)<<16 | (n)<<5 | (d))
// FMUL Vd.4S, Vn.4S, Vm.S[i].
#define FMULE(d, n, m, i) WORD $(0x4f809000 | ((i)&1)<<21 | ((i)>>1)<<11 | (m)<<16 | (n)<<5 | (d))
// FMLA Vd.4S, Vn.4S, Vm.4S (fused: Vd + Vn·Vm rounded once).
#define FMLA4S(d, n, m) WORD $(0x4e20cc00 | (m)<<16 | (n)<<5 | (d))
// FMLA Vd.4S, Vn.4S, Vm.S[i] (fused).
#define FMLAE(d, n, m, i) WORD $(0x4f801000 | ((i)&1)<<21 | ((i)>>1)<<11 | (m)<<16 | (n)<<5 | (d))
// FCVTL Vd.4S, Vn.4H (halves 0-3) and FCVTL2 Vd.4S, Vn.8H (halves 4-7).
#define FCVTL4(d, n) WORD $(0x0e217800 | (n)<<5 | (d))
#define FCVTL8(d, n) WORD $(0x4e217800 | (n)<<5 | (d))
// FCVT Sd, Hn.
#define FCVTSH(d, n) WORD $(0x1ee24000 | (n)<<5 | (d))
// FADDP Sd, Vn.2S: lane 0 + lane 1.
#define FADDP2S(d, n) WORD $(0x7e30d800 | (n)<<5 | (d))
// EXT Vd.16B, Vn.16B, Vm.16B, #8: the upper half of n, then the lower of m.
#define EXT8(d, n, m) WORD $(0x6e004000 | (m)<<16 | 8<<11 | (n)<<5 | (d))
// USHR Vd.16B, Vn.16B, #4.
#define USHR4B(d, n) WORD $(0x6f0c0400 | (n)<<5 | (d))
// DUP Vd.4S, Vn.S[i].
#define DUPS(d, n, i) WORD $(0x4e040400 | (i)<<19 | (n)<<5 | (d))
// AND Vd.16B, Vn.16B, Vm.16B.
#define AND16B(d, n, m) WORD $(0x4e201c00 | (m)<<16 | (n)<<5 | (d))
// MLA Vd.4S, Vn.4S, Vm.S[i] (integer).
#define MLAE(d, n, m, i) WORD $(0x6f800000 | ((i)&1)<<21 | ((i)>>1)<<11 | (m)<<16 | (n)<<5 | (d))
// USHLL Vd.8H, Vn.8B, #0 and USHLL2 (the upper 8 bytes): widen unsigned.
#define UXTL8H(d, n) WORD $(0x2f08a400 | (n)<<5 | (d))
#define UXTL8H2(d, n) WORD $(0x6f08a400 | (n)<<5 | (d))
// USHLL Vd.4S, Vn.4H, #0 and USHLL2 (the upper 4 halfwords).
#define UXTL4S(d, n) WORD $(0x2f10a400 | (n)<<5 | (d))
#define UXTL4S2(d, n) WORD $(0x6f10a400 | (n)<<5 | (d))
// SSHLL Vd.8H, Vn.8B, #0 and SSHLL2: widen signed.
#define SXTL8H(d, n) WORD $(0x0f08a400 | (n)<<5 | (d))
#define SXTL8H2(d, n) WORD $(0x4f08a400 | (n)<<5 | (d))
// SSHLL Vd.4S, Vn.4H, #0 and SSHLL2.
#define SXTL4S(d, n) WORD $(0x0f10a400 | (n)<<5 | (d))
#define SXTL4S2(d, n) WORD $(0x4f10a400 | (n)<<5 | (d))
// ADDP Vd.8H, Vn.8H, Vm.8H.
#define ADDP8H(d, n, m) WORD $(0x4e60bc00 | (m)<<16 | (n)<<5 | (d))
// SMULL Vd.4S, Vn.4H, Vm.4H and SMULL2 (the upper 4 halfwords).
#define SMULL4S(d, n, m) WORD $(0x0e60c000 | (m)<<16 | (n)<<5 | (d))
#define SMULL4S2(d, n, m) WORD $(0x4e60c000 | (m)<<16 | (n)<<5 | (d))
// SUB Vd.16B, Vn.16B, Vm.16B; ORR Vd.16B, Vn.16B, Vm.16B.
#define SUB16B(d, n, m) WORD $(0x6e208400 | (m)<<16 | (n)<<5 | (d))
#define ORR16B(d, n, m) WORD $(0x4ea01c00 | (m)<<16 | (n)<<5 | (d))
// USHR, SHL Vd.16B, Vn.16B, #s (1 ≤ s ≤ 7).
#define USHRB(d, n, s) WORD $(0x6f000400 | (16-(s))<<16 | (n)<<5 | (d))
#define SHLB(d, n, s) WORD $(0x4f005400 | (8+(s))<<16 | (n)<<5 | (d))

// HSUM8R sets Sa to hsum8 of Va:Vb (lanes 0-3, 4-7) as ggml's
// hsum_float_8: a_i = x_i + x_{i+4}, then (a0+a2) + (a1+a3). Clobbers Vb.
#define HSUM8R(a, b) \
	FADD4S(a, a, b) \
	EXT8(b, a, a)   \
	FADD4S(a, a, b) \
	FADDP2S(a, a)
// HSUM4R sets Sa to (x0+x2) + (x1+x3) of Va. Clobbers Vt.
#define HSUM4R(a, t) \
	EXT8(t, a, a)   \
	FADD4S(a, a, t) \
	FADDP2S(a, a)

// ROWS_ARGS loads the arguments of a one-token row kernel, func(out
// *float32, w *byte, stride int, x *byte, nb int, rows int): R0 out, R1 w,
// R2 stride, R3 x, R4 nb, R5 rows.
#define ROWS_ARGS \
	MOVD out+0(FP), R0     \
	MOVD w+8(FP), R1       \
	MOVD stride+16(FP), R2 \
	MOVD x+24(FP), R3      \
	MOVD nb+32(FP), R4     \
	MOVD rows+40(FP), R5

// X4_ARGS loads the arguments of a four-token row kernel (kernelX4,
// func(out *float32, ostride int, w *byte, stride int, rows int, x *byte,
// xstride int, nb int)): R0 out, R25 ostride, R1 w, R2 stride, R20 rows,
// R3 x, R4 xstride, R19 nb.
#define X4_ARGS \
	MOVD out+0(FP), R0      \
	MOVD ostride+8(FP), R25 \
	MOVD w+16(FP), R1       \
	MOVD stride+24(FP), R2  \
	MOVD rows+32(FP), R20   \
	MOVD x+40(FP), R3       \
	MOVD xstride+48(FP), R4 \
	MOVD nb+56(FP), R19

// The one-token K-quant and ternary kernels' row loop: R0 out, R1 the
// row, R2 stride, R3 x, R5 rows left; R6 the block, R7 the activations'
// block (292 bytes of Q8_K), R8 blocks left; integer lanes V25:V26 fused
// each block into the accumulators V27:V28.

// K1_ROW starts a row: its blocks and the activations' from the start, nb
// (R4) blocks left, accumulators zero.
#define K1_ROW \
	MOVD R1, R6                    \
	MOVD R3, R7                    \
	MOVD R4, R8                    \
	VEOR V27.B16, V27.B16, V27.B16 \
	VEOR V28.B16, V28.B16, V28.B16

// K1_FUSE fuses the lanes, times lane 0 of Vf (d_x·d_w), into the
// accumulators, steps to the next block (bytes on) and loops to label
// block while blocks are left.
#define K1_FUSE(f, bytes, block) \
	SCVTF4S(25, 25)     \
	SCVTF4S(26, 26)     \
	FMLAE(27, 25, f, 0) \
	FMLAE(28, 26, f, 0) \
	ADD  $(bytes), R6   \
	ADD  $292, R7       \
	SUBS $1, R8, R8     \
	BNE  block

// K1_NEXT stores F27 and moves to the next row (label row) while rows are
// left.
#define K1_NEXT(row) \
	FMOVS.P F27, 4(R0) \
	ADD  R2, R1, R1    \
	SUBS $1, R5, R5    \
	BNE  row

// X4_ROW starts a row of a four-token kernel (X4_ARGS): R6 its blocks,
// R7, R13, R14, R15 the four tokens' activations (X4_TOKENS), R12 nb
// blocks left.
#define X4_TOKENS \
	MOVD R1, R6       \
	MOVD R3, R7       \
	ADD  R4, R7, R13  \
	ADD  R4, R13, R14 \
	ADD  R4, R14, R15
#define X4_ROW \
	X4_TOKENS \
	MOVD R19, R12

// The four-token K-quant kernels (Q4_K, Q5_K, Q6_K) keep the tokens' float
// accumulators in the frame (from R24); their arguments: R0 out, R25
// ostride, R1 w, R2 stride, R20 rows, R3 x, R23 xstride, R19 nb.
#define KX4_ARGS \
	MOVD out+0(FP), R0       \
	MOVD ostride+8(FP), R25  \
	MOVD w+16(FP), R1        \
	MOVD stride+24(FP), R2   \
	MOVD rows+32(FP), R20    \
	MOVD x+40(FP), R3        \
	MOVD xstride+48(FP), R23 \
	MOVD nb+56(FP), R19      \
	ADD  $8, RSP, R24

// KX4_ROW starts a row: R6 its blocks, R7, R13, R14, R15 the four tokens'
// activations, R12 nb blocks left.
#define KX4_ROW \
	MOVD R1, R6        \
	MOVD R3, R7        \
	ADD  R23, R7, R13  \
	ADD  R23, R13, R14 \
	ADD  R23, R14, R15 \
	MOVD R19, R12

// KX4_STORES stores the row's four results, STORE(off) storing the token
// whose accumulators are off bytes into the frame (size bytes a token) at
// R11, and moves to the next row (label row) while rows are left.
#define KX4_STORES(STORE, size, row) \
	MOVD R0, R11      \
	STORE(0)          \
	ADD  R25, R11     \
	STORE(size)       \
	ADD  R25, R11     \
	STORE(2*(size))   \
	ADD  R25, R11     \
	STORE(3*(size))   \
	ADD  $4, R0       \
	ADD  R2, R1, R1   \
	SUBS $1, R20, R20 \
	BNE  row

// ZERO sets Vd to zero (EOR Vd.16B, Vd.16B, Vd.16B, which Go spells VEOR);
// ZERO2, ZERO4, ZERO8 zero Vd and the registers after it.
#define ZERO(d) WORD $(0x6e201c00 | (d)<<16 | (d)<<5 | (d))
#define ZERO2(d) \
	ZERO(d)     \
	ZERO((d)+1)
#define ZERO4(d) \
	ZERO2(d)     \
	ZERO2((d)+2)
#define ZERO8(d) \
	ZERO4(d)     \
	ZERO4((d)+4)

// STORE4 stores a row's results for the four tokens of a four-token
// kernel (Fa to out, Fb, Fc, Fd R25 bytes apart, from R0; R0 then moves
// to the next row's) and moves to the next weight row (R1 += R2) and to
// label row while rows are left (R20). Clobbers R10.
#define STORE4(a, b, c, d, row) \
	FMOVS a, (R0)       \
	ADD   R25, R0, R10  \
	FMOVS b, (R10)      \
	ADD   R25, R10, R10 \
	FMOVS c, (R10)      \
	ADD   R25, R10, R10 \
	FMOVS d, (R10)      \
	ADD   $4, R0        \
	ADD   R2, R1, R1    \
	SUBS  $1, R20, R20  \
	BNE   row

// DOT32 sets Vd0 (lanes 0-3) and Vd1 (lanes 4-7) to the 8 lane sums of
// 4 signed byte products each, of Vn0:Vn1 and Vm0:Vm1 (32 bytes each).
// With SDOT: Vd0, Vd1 must be zero. Without (DOT32_NEON): 16-bit
// products (each |p| ≤ 2^14), pairs widened, pairs of pairs; clobbers
// Vt0, Vt1.
#define DOT32_SDOT(d0, d1, n0, n1, m0, m1) \
	SDOT(d0, n0, m0) \
	SDOT(d1, n1, m1)
#define DOT32_NEON(d0, d1, n0, n1, m0, m1, t0, t1) \
	SMULL8(d0, n0, m0)  \
	SMULL16(t0, n0, m0) \
	SMULL8(d1, n1, m1)  \
	SMULL16(t1, n1, m1) \
	SADDLP(d0, d0)      \
	SADDLP(t0, t0)      \
	SADDLP(d1, d1)      \
	SADDLP(t1, t1)      \
	ADDP4S(d0, d0, t0)  \
	ADDP4S(d1, d1, t1)
// FSUB Vd.4S, Vn.4S, Vm.4S; FDIV Vd.4S, Vn.4S, Vm.4S.
#define FSUB4S(d, n, m) WORD $(0x4ea0d400 | (m)<<16 | (n)<<5 | (d))
#define FDIV4S(d, n, m) WORD $(0x6e20fc00 | (m)<<16 | (n)<<5 | (d))
// FMLS Vd.4S, Vn.4S, Vm.4S (fused: Vd - Vn·Vm rounded once).
#define FMLS4S(d, n, m) WORD $(0x4ea0cc00 | (m)<<16 | (n)<<5 | (d))
// FNEG, FABS Vd.4S, Vn.4S.
#define FNEG4S(d, n) WORD $(0x6ea0f800 | (n)<<5 | (d))
#define FABS4S(d, n) WORD $(0x4ea0f800 | (n)<<5 | (d))
// FCMGT Vd.4S, Vn.4S, Vm.4S and FCMGT Vd.4S, Vn.4S, #0.0: all ones where
// greater.
#define FCMGT4S(d, n, m) WORD $(0x6ea0e400 | (m)<<16 | (n)<<5 | (d))
#define FCMGTZ4S(d, n) WORD $(0x4ea0c800 | (n)<<5 | (d))
// BSL Vd.16B, Vn.16B, Vm.16B: Vd = Vd ? Vn : Vm, bit by bit.
#define BSL16B(d, n, m) WORD $(0x6e601c00 | (m)<<16 | (n)<<5 | (d))
// FCVTZS Vd.4S, Vn.4S (toward zero).
#define FCVTZS4S(d, n) WORD $(0x4ea1b800 | (n)<<5 | (d))
// SUB Vd.4S, Vn.4S, Vm.4S.
#define SUB4S(d, n, m) WORD $(0x6ea08400 | (m)<<16 | (n)<<5 | (d))
// SSHR Vd.4S, Vn.4S, #1; SHL Vd.4S, Vn.4S, #23.
#define SSHR4S1(d, n) WORD $(0x4f3f0400 | (n)<<5 | (d))
#define SHL4S23(d, n) WORD $(0x4f375400 | (n)<<5 | (d))
// FCVT Dd, Sn.
#define FCVTDS(d, n) WORD $(0x1e22c000 | (n)<<5 | (d))
// TBL Vd.16B, {Vn.16B}, Vm.16B: byte i = Vn[Vm[i]] (0 where Vm[i] ≥ 16).
#define TBL16B(d, n, m) WORD $(0x4e000000 | (m)<<16 | (n)<<5 | (d))
// CMTST Vd.16B, Vn.16B, Vm.16B: all ones where Vn & Vm is not zero.
#define CMTST16B(d, n, m) WORD $(0x4e208c00 | (m)<<16 | (n)<<5 | (d))
// BIC Vd.16B, Vn.16B, Vm.16B: Vn & ^Vm.
#define BIC16B(d, n, m) WORD $(0x4e601c00 | (m)<<16 | (n)<<5 | (d))
// ADDV Sd, Vn.4S: the sum of the four lanes.
#define ADDV4S(d, n) WORD $(0x4eb1b800 | (n)<<5 | (d))
// MUL Vd.16B, Vn.16B, Vm.16B (the low 8 bits of each product).
#define MUL16B(d, n, m) WORD $(0x4e209c00 | (m)<<16 | (n)<<5 | (d))
// UMULL Vd.8H, Vn.8B, Vm.8B and UMULL2 (the upper 8 bytes).
#define UMULL8(d, n, m) WORD $(0x2e20c000 | (m)<<16 | (n)<<5 | (d))
#define UMULL16(d, n, m) WORD $(0x6e20c000 | (m)<<16 | (n)<<5 | (d))
// SHRN Vd.8B, Vn.8H, #8 (bytes 0-7) and SHRN2 Vd.16B, Vn.8H, #8 (8-15).
#define SHRN8(d, n) WORD $(0x0f088400 | (n)<<5 | (d))
#define SHRN8_2(d, n) WORD $(0x4f088400 | (n)<<5 | (d))
// SHL Vd.4S, Vn.4S, #16.
#define SHL4S16(d, n) WORD $(0x4f305400 | (n)<<5 | (d))
// FCVT Sd, Dn.
#define FCVTS_D(d, n) WORD $(0x1e624000 | (n)<<5 | (d))
