// mv3.cuh: one launch for up to three one-token products that share their
// input (q, k and v; gate and up). Grid x covers the row blocks of product
// 0, then those of product 1, then of product 2 (m2 = 0 for two); each
// block runs the product's ordinary one-token code on its rows.
#pragma once
#include "rope.cuh"

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

// ---- mv3r_NAME_1_<cache>: the q, k and v products of a one-token step
// (products 0, 1 and 2) with RoPE and the KV store as rope_store_<cache>
// then makes them, the same float operations on the same values
// (Device.MatMulRoPEStore): the step's rope_store launch is gone. Pairs
// are adjacent elements (not NeoX), so a pair is two rows of one block;
// every product's rows are a multiple of the block's (the host checks), so
// that no warp leaves early and the block meets at the barrier after its
// rows are stored. Thread t < ROWS/2 of a block then rotates and stores the
// pair of its rows 2t and 2t+1. Its angle is made before the product waits
// for the kernels before it (the position is the host's, and the double
// precision cosine and sine take as long as a small kernel).

#define MV3R_PARAMS(T)                                                                                               \
    T *kc, T *vc, const int *pos, const int *slots, int hd, int dims, int neox,              \
        float thetaScale, float freqScale, float mscale, float extFactor, float lowDim, float highDim,              \
        float extMscale, const float *factors

// MV3R_ANGLE declares this thread's rope_params (rp) and its pair's cosine
// and sine (rc, rsn), for blocks of ROWS rows; after MV3_SEGMENT.
#define MV3R_ANGLE(ROWS)                                                                                             \
    rope_params rp = {hd, dims, 0, thetaScale, freqScale, mscale, extFactor, lowDim, highDim, extMscale, factors};   \
    float rc = 1.0f, rsn = 0.0f;                                                                                     \
    mv3r_angle(rp, seg, bx, ROWS, pos[0], &rc, &rsn);

// MV3R_STORE rotates and stores the block's pairs once its rows are in dst.
#define MV3R_STORE(ROWS) mv3r_store(rp, dst, seg, bx, ROWS, kc, vc, slots[0], m1, rc, rsn);

// mv3r_angle sets the cosine and sine of the pair of product seg's block bx
// (ROWS rows) that thread t < ROWS/2 rotates, if it rotates one.
__device__ __forceinline__ void mv3r_angle(const rope_params& r, int seg, int bx, int rows, int pos, float* c, float* s) {
    int t = threadIdx.x;
    if (seg == 2 || t >= rows / 2) return;
    int i = (bx * rows + 2 * t) % r.hd / 2;
    if (i < r.dims / 2) rope_cs(r, i, pos, c, s);
}

// mv3r_store: thread t < ROWS/2 of block bx of product seg (q, k, v) reads
// the pair of rows 2t, 2t+1 its block stored to dst, rotates it where
// rope_store would (q and k, pairs below dims/2), writes it back, and
// stores k's and v's pairs to cache row slot (kvcols wide).
template <typename T>
__device__ __forceinline__ void mv3r_store(const rope_params& r, float* dst, int seg, int bx, int rows, T* kc, T* vc, int slot,
                                           int kvcols, float c, float s) {
    __syncthreads(); // the block's rows are in dst
    int t = threadIdx.x;
    if (t >= rows / 2) return;
    int a = bx * rows + 2 * t;
    float x0 = dst[a], x1 = dst[a + 1];
    if (seg < 2 && (a % r.hd) / 2 < r.dims / 2) {
        rope_turn(&x0, &x1, c, s);
        dst[a] = x0, dst[a + 1] = x1;
    }
    if (seg == 0) return;
    T* row = (seg == 1 ? kc : vc) + (long long)slot * kvcols;
    kv_store(row + a, x0);
    kv_store(row + a + 1, x1);
}
