// mv3.cuh: one launch for up to three one-token products that share their
// input (q, k and v; gate and up). Grid x covers the row blocks of product
// 0, then those of product 1, then of product 2 (m2 = 0 for two); each
// block runs the product's ordinary one-token code on its rows.
#pragma once

#define MV3_PARAMS                                                                                                    \
    float *d0, float *d1, float *d2, const uint8_t *w0, const uint8_t *w1, const uint8_t *w2, int m0, int m1, int m2,  \
        long long rs0, long long rs1, long long rs2, int a0, int a1, int a2, int k

// MV3_SEGMENT declares the product this block works on (dst, w, m, rs,
// aligned) and its block index within that product (bx), for products of
// ROWS rows per block.
#define MV3_SEGMENT(ROWS)                                                                                             \
    int bx = blockIdx.x, seg = 0;                                                                                     \
    int nb0 = (m0 + (ROWS)-1) / (ROWS), nb1 = (m1 + (ROWS)-1) / (ROWS);                                              \
    if (bx >= nb0) {                                                                                                  \
        bx -= nb0, seg = 1;                                                                                           \
        if (bx >= nb1) bx -= nb1, seg = 2;                                                                            \
    }                                                                                                                 \
    float* dst = seg == 0 ? d0 : (seg == 1 ? d1 : d2);                                                                \
    const uint8_t* w = seg == 0 ? w0 : (seg == 1 ? w1 : w2);                                                          \
    int m = seg == 0 ? m0 : (seg == 1 ? m1 : m2);                                                                     \
    long long rs = seg == 0 ? rs0 : (seg == 1 ? rs1 : rs2);                                                           \
    int aligned = seg == 0 ? a0 : (seg == 1 ? a1 : a2);                                                               \
    (void)aligned;
