// Register-level sequences the amd64 dot kernels share (dotk_amd64.h,
// dotq8_amd64.h and the kernels that include them): each macro is the same
// instructions the kernels had written out. Go's assembler has no token
// pasting, so a register wanted in two widths (Y16 and X16) is passed
// twice.

// VBCAST32(v, x, y): every 32-bit lane of y = v. Clobbers AX.
#define VBCAST32(v, x, y) \
	MOVL         $v, AX; \
	VMOVD        AX, x; \
	VPBROADCASTD x, y

// HSUM4(x, t): lane 0 of x = (x0+x2) + (x1+x3), hsum4's order. Clobbers t.
#define HSUM4(x, t) \
	VMOVHLPS  x, x, t; \
	VADDPS    t, x, x; \
	VMOVSHDUP x, t; \
	VADDSS    t, x, x

// HSUM8_Y0(t): lane 0 of X0 = the sum of Y0's eight lanes in hsum8's
// order (the halves added, then HSUM4). Clobbers t (an X register).
#define HSUM8_Y0(t) \
	VEXTRACTF128 $1, Y0, t; \
	VADDPS       t, X0, X0; \
	HSUM4(X0, t)

// HSUM8_TO_X0(y, x): lane 0 of X0 = the sum of y's eight lanes in
// hsum8's order, for y one of Y16-Y31 (x: its low half, X16-X31).
// Clobbers X1.
#define HSUM8_TO_X0(y, x) \
	VEXTRACTF32X4 $1, y, X1; \
	VADDPS        X1, x, X0; \
	HSUM4(X0, X1)
