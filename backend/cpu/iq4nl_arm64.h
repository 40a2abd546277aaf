// The IQ4_NL kernels' shared pieces (dot_iq4nl_arm64.s, one token, and
// dot_iq4nlx4_arm64.s, four): ggml's x86 order (dot_iq4nl.go), the 8 lanes
// of lanes_arm64.h with the blocks of each pair in two sets of float lanes,
// added lane by lane before hsum8; an odd last block's whole integer sum
// is fused into that total. TBL looks the nibbles up in the table of
// levels. Include after lanes_arm64.h.

// IQ4_NL_TABLE defines the 16 levels as the static symbol sym.
#define IQ4_NL_TABLE(sym) \
	DATA sym+0(SB)/8, $0xf6eaddcfbfad9881 \
	DATA sym+8(SB)/8, $0x7159453526190d01 \
	GLOBL sym(SB), RODATA|NOPTR, $16

// IQ4_NL_WHOLE fuses the whole integer sum of the lane sums V4:V5, times
// lane 0 of Vf, into lane 0 of Vt (the odd last block).
#define IQ4_NL_WHOLE(t, f) \
	ADD4S(4, 4, 5)    \
	ADDV4S(4, 4)      \
	SCVTF4S(4, 4)     \
	FMLAE(t, 4, f, 0)

// One token (func(out *float32, w *byte, stride int, x *byte, nb int,
// rows int), registers as in lanes_arm64.h): the sets V16:V17 (first
// blocks of pairs) and V18:V19 (second); the table in V25, 0x0f in V24.

// IQ4_NL_LOAD reads one block of weights and one of activations: the
// weights' d to R9 and levels to V0 (elements 0-15) and V1 (16-31), the
// activations' d to R10 and quants to V2, V3.
#define IQ4_NL_LOAD \
	MOVHU.P 2(R6), R9                \
	VLD1.P  16(R6), [V0.B16]         \
	MOVHU.P 2(R7), R10               \
	VLD1.P  32(R7), [V2.B16, V3.B16] \
	SPLIT_NIBBLES                    \
	TBL16B(0, 25, 0)                 \
	TBL16B(1, 25, 1)

// IQ4_NL_SCALE sets F6 to d_x·d_w from the halves in R10 and R9.
#define IQ4_NL_SCALE \
	FMOVS R9, F6     \
	FMOVS R10, F7    \
	FCVTSH(6, 6)     \
	FCVTSH(7, 7)     \
	FMULS F6, F7, F6

// IQ4_NL_BLOCK reads a block and sets its lane sums V4:V5 (DOT) and F6.
#define IQ4_NL_BLOCK(DOT) \
	IQ4_NL_LOAD  \
	DOT          \
	IQ4_NL_SCALE

// IQ4_NL_ROWS is a whole one-token kernel after its arguments (the table
// from iq4nlLevels<>, which the including file defines): DOT sets
// the lane sums V4:V5 of V0:V1 and V2:V3; row, pair, sum and store name
// its labels.
#define IQ4_NL_ROWS(DOT, row, pair, sum, store) \
	MOVD  $iq4nlLevels<>(SB), R12 \
	VLD1  (R12), [V25.B16]        \
	VMOVI $15, V24.B16            \
row:                                  \
	MOVD R1, R6                   \
	MOVD R3, R7                   \
	LSR  $1, R4, R8               \
	ZERO4(16)                     \
	CBZ  R8, sum                  \
pair:                                 \
	IQ4_NL_BLOCK(DOT)             \
	LANES_FUSE(16, 17, 6)         \
	IQ4_NL_BLOCK(DOT)             \
	LANES_FUSE(18, 19, 6)         \
	SUBS $1, R8, R8               \
	BNE  pair                     \
sum:                                  \
	FADD4S(16, 16, 18)            \
	FADD4S(17, 17, 19)            \
	HSUM8R(16, 17)                \
	TBZ  $0, R4, store            \
	IQ4_NL_BLOCK(DOT)             \
	IQ4_NL_WHOLE(16, 6)           \
store:                                \
	LANES_NEXT(row)
