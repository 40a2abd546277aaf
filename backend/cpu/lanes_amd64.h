// The steps of the repacked kernels that keep ggml's eight lanes a row
// (lanes.go) in 16-row groups, one lane of a 512-bit vector a row: Q5_K's
// (q5kwide_amd64.s) and Q5_0's (q50wide_amd64.s).

// K5_CONSTS: Z15 = 0x0f bytes, Z31 = 0x10 bytes (K5_LEVELS). Clobbers
// AX.
#define K5_CONSTS \
	MOVL         $0x0f0f0f0f, AX; \
	VPBROADCASTD AX, Z15; \
	MOVL         $0x10101010, AX; \
	VPBROADCASTD AX, Z31

// K5_LEVELS(chunk, mlo, mhi): the levels (0-31) of the chunk of nibbles
// at chunk, the low nibbles' in Z24, the high ones' in Z25: the nibbles,
// plus 16 where the masks at mlo and mhi (into K1, K2) say.
#define K5_LEVELS(chunk, mlo, mhi) \
	VMOVDQU32 chunk, Z25; \
	KMOVQ     mlo, K1; \
	KMOVQ     mhi, K2; \
	VPANDD    Z15, Z25, Z24; \
	VPSRLW    $4, Z25, Z25; \
	VPANDD    Z15, Z25, Z25; \
	VPADDB    Z31, Z24, K1, Z24; \
	VPADDB    Z31, Z25, K2, Z25

// L8_HSUM(A0, …, A7): A0 = hsum8 of the lanes A0-A7, each a vector of
// rows: (A0+A4 + A2+A6) + (A1+A5 + A3+A7). Clobbers A1-A3.
#define L8_HSUM(A0, A1, A2, A3, A4, A5, A6, A7) \
	VADDPS A4, A0, A0; \
	VADDPS A5, A1, A1; \
	VADDPS A6, A2, A2; \
	VADDPS A7, A3, A3; \
	VADDPS A2, A0, A0; \
	VADDPS A3, A1, A1; \
	VADDPS A1, A0, A0
