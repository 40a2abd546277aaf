// kquants.cu: the K-quant weight formats Q4_K and Q6_K, in their GGUF block
// layout (256 elements a block; Q6_K split into regions per row, see
// layout.go): embedding rows, matrix-vector products,
// and the Q8_K quantization of activations their dot products take.
//
// Products follow ggml's CPU dot products (ggml_vec_dot_q4_K_q8_K,
// ggml_vec_dot_q6_K_q8_K): activations quantized to Q8_K (one float scale
// per 256, int8 quants), integer sums per sub-block times the sub-block
// scale, then the block scales. One warp per weight row (NT tokens per
// pass); lane l takes elements 8l…8l+7 of every block, which lie in one
// sub-block, loading 8 bytes of weights per block.
#include "convert.cuh"
#include "mv3.cuh"
#include "pipe.cuh"

#define QK_K 256
#define KQ_WARPS 4 // rows per block of 128 threads
#define KQ_NT 8    // tokens per pass for n > 1
#ifndef KQ_R
#define KQ_R 2 // one-token Q6_K kernels: weight rows per warp (matmul.go's q6kRows)
#endif
#ifndef KQ_STAGES
#define KQ_STAGES (KQ_R >= 2 ? 2 : 3) // one-token Q6_K kernels: pipeline steps per lane in flight (48 KB of slots at most)
#endif
#define KQ_MIN_BLOCKS 4 // one-token Q6_K kernels: blocks per SM the registers must allow (shared memory allows 4)

// ---- activations to Q8_K (q8_k_block): a warp per block; xq n×k int8,
// xd one float per block ----

extern "C" __global__ void quantize_q8_k(int8_t* xq, float* xd, const float* x, long long nblocks) {
    pdl_begin();
    long long b = (blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5;
    if (b >= nblocks) return;
    q8_k_block(xq, xd, x, b, threadIdx.x & 31);
}

// byte_of is byte i (0…11) of the 12 bytes held in s0, s1, s2.
__device__ __forceinline__ uint32_t byte_of(uint32_t s0, uint32_t s1, uint32_t s2, int i) {
    uint32_t w = i < 4 ? s0 : (i < 8 ? s1 : s2);
    return (w >> (8 * (i & 3))) & 0xFF;
}

// load8 reads 8 bytes at a 2-byte aligned address as two words.
__device__ __forceinline__ uint2 load8(const uint8_t* p) {
    const uint16_t* h = (const uint16_t*)p;
    return make_uint2((uint32_t)h[0] | ((uint32_t)h[1] << 16), (uint32_t)h[2] | ((uint32_t)h[3] << 16));
}

// ---- Q4_K: block = d (F16), dmin (F16), 12 bytes of 6-bit sub-block
// scales and minimums, 128 bytes of nibbles (64-element groups: low
// nibbles of 32 bytes, then their high nibbles). 144 bytes. ----

// q4k_lane is lane l's part of a block: its 8 nibble values (two words of
// 4 bytes), its sub-block's scale and minimum, d and dmin.
struct q4k_part {
    uint32_t a0, a1;
    int sc, m;
    float d, dmin;
};

__device__ __forceinline__ q4k_part q4k_load(const uint8_t* blk, int lane) {
    q4k_part r;
    const uint32_t* w32 = (const uint32_t*)blk; // blocks are 16-byte aligned in 16-byte aligned rows; 4 at least
    uint32_t dd = w32[0], s0 = w32[1], s1 = w32[2], s2 = w32[3];
    r.d = __half2float(__ushort_as_half((unsigned short)(dd & 0xFFFF)));
    r.dmin = __half2float(__ushort_as_half((unsigned short)(dd >> 16)));
    int j = lane / 4; // sub-block of 32
    if (j < 4) {
        r.sc = byte_of(s0, s1, s2, j) & 63;
        r.m = byte_of(s0, s1, s2, j + 4) & 63;
    } else {
        r.sc = (byte_of(s0, s1, s2, j + 4) & 0xF) | ((byte_of(s0, s1, s2, j - 4) >> 6) << 4);
        r.m = (byte_of(s0, s1, s2, j + 4) >> 4) | ((byte_of(s0, s1, s2, j) >> 6) << 4);
    }
    uint2 v = load8(blk + 16 + 32 * (lane / 8) + 8 * (lane % 4));
    int sh = (lane % 8) >= 4 ? 4 : 0;
    r.a0 = (v.x >> sh) & 0x0F0F0F0F;
    r.a1 = (v.y >> sh) & 0x0F0F0F0F;
    return r;
}

extern "C" __global__ void embed_q4_k(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    pdl_begin();
    const uint8_t* row = table + (long long)ids[blockIdx.x] * rs;
    float* o = dst + (long long)blockIdx.x * cols;
    int lane = threadIdx.x & 31;
    for (int b = threadIdx.x >> 5; b < cols / QK_K; b += blockDim.x >> 5) {
        q4k_part p = q4k_load(row + 144 * b, lane);
        float d1 = __fmul_rn(p.d, (float)p.sc), m1 = __fmul_rn(p.dmin, (float)p.m);
#pragma unroll
        for (int i = 0; i < 8; i++) {
            uint32_t q = ((i < 4 ? p.a0 : p.a1) >> (8 * (i & 3))) & 0xFF;
            o[b * QK_K + 8 * lane + i] = __fmul_rn(d1, (float)q) - m1;
        }
    }
}

// ---- Q6_K: block = 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16
// int8 sub-block scales (16 elements each), d (F16): 210 bytes. On the
// device a row holds its blocks' parts in four regions (layout.go): low
// bits (128 per block), high bits (64), scales (16), d (2). ----

// q6k_row locates the parts of block b of a row of nb blocks.
struct q6k_row {
    const uint8_t *ql, *qh, *sc, *d;
};

__device__ __forceinline__ q6k_row q6k_at(const uint8_t* row, int nb, int b) {
    q6k_row r;
    r.ql = row + 128 * b;
    r.qh = row + 128 * nb + 64 * b;
    r.sc = row + 192 * nb + 16 * b;
    r.d = row + 208 * nb + 2 * b;
    return r;
}

struct q6k_part {
    uint32_t a0, a1; // 6-bit values, unsigned (the -32 offset is applied in the sums)
    int sc;
    float d;
};

__device__ __forceinline__ q6k_part q6k_load(q6k_row blk, int lane) {
    q6k_part r;
    int h = lane / 16, q = (lane % 16) / 4, l0 = 8 * (lane % 4);
    uint2 lo = load8(blk.ql + 64 * h + l0 + 32 * (q & 1));
    uint2 hi = load8(blk.qh + 32 * h + l0);
    int sl = q >= 2 ? 4 : 0, sh = 2 * q;
    r.a0 = ((lo.x >> sl) & 0x0F0F0F0F) | (((hi.x >> sh) & 0x03030303) << 4);
    r.a1 = ((lo.y >> sl) & 0x0F0F0F0F) | (((hi.y >> sh) & 0x03030303) << 4);
    r.sc = (int)(int8_t)blk.sc[8 * h + l0 / 16 + 2 * q];
    r.d = __half2float(__ushort_as_half(*(const unsigned short*)blk.d));
    return r;
}

// q6k_elem is the index within the block of value i (0…7) of lane l's part.
__device__ __forceinline__ int q6k_elem(int lane, int i) {
    int h = lane / 16, q = (lane % 16) / 4, l0 = 8 * (lane % 4);
    return 128 * h + 32 * q + l0 + i;
}

extern "C" __global__ void embed_q6_k(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    pdl_begin();
    const uint8_t* row = table + (long long)ids[blockIdx.x] * rs;
    float* o = dst + (long long)blockIdx.x * cols;
    int lane = threadIdx.x & 31, nb = cols / QK_K;
    for (int b = threadIdx.x >> 5; b < nb; b += blockDim.x >> 5) {
        q6k_part p = q6k_load(q6k_at(row, nb, b), lane);
        float ds = __fmul_rn(p.d, (float)p.sc);
#pragma unroll
        for (int i = 0; i < 8; i++) {
            int q = (int)(((i < 4 ? p.a0 : p.a1) >> (8 * (i & 3))) & 0xFF) - 32;
            o[b * QK_K + q6k_elem(lane, i)] = __fmul_rn(ds, (float)q);
        }
    }
}

// ---- products: lane l's elements of Q8_K block b of a token are
// xq[256b + e] for its 8 element indices e ----

__device__ __forceinline__ int2 x_part(const int8_t* xrow, int b, int e0) {
    return *(const int2*)(xrow + (long long)QK_K * b + e0);
}

template <int NT>
__device__ __forceinline__ void kq_store(float* dst, float (&acc)[NT], int nt, int t0, int m, int j) {
#pragma unroll
    for (int t = 0; t < NT; t++) {
        float s = warp_sum(acc[t]);
        if (t < nt && (threadIdx.x & 31) == 0) dst[(long long)(t0 + t) * m + j] = s;
    }
}

template <int NT>
__device__ __forceinline__ void mv_q4_k(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs,
                                        int bx) {
    int lane = threadIdx.x & 31, j = bx * KQ_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * NT, nt = min(NT, n - t0), nb = k / QK_K;
    const uint8_t* row = w + (long long)j * rs;
    float acc[NT];
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = 0.0f;
    const int ONES = 0x01010101;
#pragma unroll 4
    for (int b = 0; b < nb; b++) {
        q4k_part p = q4k_load(row + 144 * b, lane);
#pragma unroll
        for (int t = 0; t < NT; t++) {
            if (t < nt) {
                long long tr = t0 + t;
                int2 xv = x_part(xq + tr * k, b, 8 * lane);
                int dot = __dp4a((int)p.a1, xv.y, __dp4a((int)p.a0, xv.x, 0));
                int sx = __dp4a(ONES, xv.y, __dp4a(ONES, xv.x, 0));
                float dx = xd[tr * nb + b];
                acc[t] += __fmul_rn(p.d, dx) * (float)(p.sc * dot) - __fmul_rn(p.dmin, dx) * (float)(p.m * sx);
            }
        }
    }
    kq_store<NT>(dst, acc, nt, t0, m, j);
}

template <int NT>
__device__ __forceinline__ void mv_q6_k(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs,
                                        int bx) {
    int lane = threadIdx.x & 31, j = bx * KQ_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * NT, nt = min(NT, n - t0), nb = k / QK_K;
    const uint8_t* row = w + (long long)j * rs;
    float acc[NT];
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = 0.0f;
    const int ONES = 0x01010101;
    int e0 = q6k_elem(lane, 0);
#pragma unroll 4
    for (int b = 0; b < nb; b++) {
        q6k_part p = q6k_load(q6k_at(row, nb, b), lane);
#pragma unroll
        for (int t = 0; t < NT; t++) {
            if (t < nt) {
                long long tr = t0 + t;
                int2 xv = x_part(xq + tr * k, b, e0);
                int dot = __dp4a((int)p.a1, xv.y, __dp4a((int)p.a0, xv.x, 0));
                int sx = __dp4a(ONES, xv.y, __dp4a(ONES, xv.x, 0));
                acc[t] += __fmul_rn(p.d, xd[tr * nb + b]) * (float)(p.sc * (dot - 32 * sx));
            }
        }
    }
    kq_store<NT>(dst, acc, nt, t0, m, j);
}

extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32)
    mv_q4_k_8(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs) {
    pdl_begin();
    mv_q4_k<KQ_NT>(dst, w, xq, xd, m, k, n, rs, blockIdx.x);
}

// mv_q4_k_1 is the one-token Q4_K product with 16-byte loads: four lanes
// per block, lane 4i+g taking 64-element group g of block i (its two
// sub-blocks: 32 bytes of nibbles, low then high), so a warp covers 8
// blocks (1152 bytes) per step, each lane loading the 16-byte block header
// and its 32 bytes of quants in two words. Rows are 16-byte aligned (144·nb
// bytes in a 16-byte aligned allocation: the host checks).
//
// Measured on an H100 and not kept: the same lanes' loads as a cp.async
// pipeline like Q6_K's (header, nibbles and activations copied into shared
// memory, 2 rows a warp, 2 or 3 steps in flight) ran at 65% of this
// kernel's speed with the weights copied past L1 (.cg: a warp's copy of one
// word of nibbles takes half of each 32-byte sector, so each sector came
// twice from L2) and at 80–87% through L1 (.ca), e.g. 1913 against 2211
// GB/s on 14336×4096.
__device__ __forceinline__ void mv_q4_k_one(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, long long rs,
                                            int bx) {
    int lane = threadIdx.x & 31, j = bx * KQ_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int nb = k / QK_K, g = lane & 3;
    const uint8_t* row = w + (long long)j * rs;
    const int ONES = 0x01010101, M = 0x0F0F0F0F;
    float acc = 0.0f;
#pragma unroll 2
    for (int b = lane >> 2; b < nb; b += 8) {
        const uint8_t* blk = row + 144 * b;
        int4 hdr = __ldg((const int4*)blk);
        int4 q0 = __ldg((const int4*)(blk + 16 + 32 * g)), q1 = __ldg((const int4*)(blk + 32 + 32 * g));
        const int4* xp = (const int4*)(xq + (long long)QK_K * b + 64 * g);
        int4 xl0 = __ldg(xp), xl1 = __ldg(xp + 1), xh0 = __ldg(xp + 2), xh1 = __ldg(xp + 3);
        float dx = __ldg(xd + b);
        uint32_t s0 = hdr.y, s1 = hdr.z, s2 = hdr.w;
        int j0 = 2 * g, j1 = 2 * g + 1, sc0, m0, sc1, m1;
        if (g < 2) {
            sc0 = byte_of(s0, s1, s2, j0) & 63, m0 = byte_of(s0, s1, s2, j0 + 4) & 63;
            sc1 = byte_of(s0, s1, s2, j1) & 63, m1 = byte_of(s0, s1, s2, j1 + 4) & 63;
        } else {
            sc0 = (byte_of(s0, s1, s2, j0 + 4) & 0xF) | ((byte_of(s0, s1, s2, j0 - 4) >> 6) << 4);
            m0 = (byte_of(s0, s1, s2, j0 + 4) >> 4) | ((byte_of(s0, s1, s2, j0) >> 6) << 4);
            sc1 = (byte_of(s0, s1, s2, j1 + 4) & 0xF) | ((byte_of(s0, s1, s2, j1 - 4) >> 6) << 4);
            m1 = (byte_of(s0, s1, s2, j1 + 4) >> 4) | ((byte_of(s0, s1, s2, j1) >> 6) << 4);
        }
        int dl = 0, dh = 0, sl = 0, sh = 0;
        dl = __dp4a(q0.x & M, xl0.x, dl), dh = __dp4a((q0.x >> 4) & M, xh0.x, dh);
        dl = __dp4a(q0.y & M, xl0.y, dl), dh = __dp4a((q0.y >> 4) & M, xh0.y, dh);
        dl = __dp4a(q0.z & M, xl0.z, dl), dh = __dp4a((q0.z >> 4) & M, xh0.z, dh);
        dl = __dp4a(q0.w & M, xl0.w, dl), dh = __dp4a((q0.w >> 4) & M, xh0.w, dh);
        dl = __dp4a(q1.x & M, xl1.x, dl), dh = __dp4a((q1.x >> 4) & M, xh1.x, dh);
        dl = __dp4a(q1.y & M, xl1.y, dl), dh = __dp4a((q1.y >> 4) & M, xh1.y, dh);
        dl = __dp4a(q1.z & M, xl1.z, dl), dh = __dp4a((q1.z >> 4) & M, xh1.z, dh);
        dl = __dp4a(q1.w & M, xl1.w, dl), dh = __dp4a((q1.w >> 4) & M, xh1.w, dh);
        sl = __dp4a(ONES, xl0.x, sl), sh = __dp4a(ONES, xh0.x, sh);
        sl = __dp4a(ONES, xl0.y, sl), sh = __dp4a(ONES, xh0.y, sh);
        sl = __dp4a(ONES, xl0.z, sl), sh = __dp4a(ONES, xh0.z, sh);
        sl = __dp4a(ONES, xl0.w, sl), sh = __dp4a(ONES, xh0.w, sh);
        sl = __dp4a(ONES, xl1.x, sl), sh = __dp4a(ONES, xh1.x, sh);
        sl = __dp4a(ONES, xl1.y, sl), sh = __dp4a(ONES, xh1.y, sh);
        sl = __dp4a(ONES, xl1.z, sl), sh = __dp4a(ONES, xh1.z, sh);
        sl = __dp4a(ONES, xl1.w, sl), sh = __dp4a(ONES, xh1.w, sh);
        float d = __half2float(__ushort_as_half((unsigned short)(hdr.x & 0xFFFF)));
        float dmin = __half2float(__ushort_as_half((unsigned short)((uint32_t)hdr.x >> 16)));
        acc += __fmul_rn(d, dx) * (float)(sc0 * dl + sc1 * dh) - __fmul_rn(dmin, dx) * (float)(m0 * sl + m1 * sh);
    }
    pdl_product_end();
    acc = warp_sum(acc);
    if (lane == 0) dst[j] = acc;
}

extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32)
    mv_q6_k_8(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs) {
    pdl_begin();
    mv_q6_k<KQ_NT>(dst, w, xq, xd, m, k, n, rs, blockIdx.x);
}

// The one-token Q6_K product: four lanes per block, lane 4i+g taking half
// g/2 of block i and its 16 positions 16(g%2)… of each quarter (64
// elements, four sub-blocks of 16): 16 bytes of low bits for quarters 0
// and 2 (A), 16 for quarters 1 and 3 (B), 16 of high bits (C).

// q6k_half is lane g's integer sum over its part of a block: quarters q
// with activations x[q] (their sums sx[q]) and sub-block scales sc[q].
__device__ __forceinline__ int q6k_half(int4 A, int4 B, int4 C, const int4 (&x)[4], const int (&sx)[4], const int (&sc)[4]) {
    const int M = 0x0F0F0F0F, H = 0x03030303;
    int s = 0;
#pragma unroll
    for (int q = 0; q < 4; q++) {
        int4 L = (q & 1) ? B : A, X = x[q];
        int sl = q >= 2 ? 4 : 0, sh = 2 * q;
        int v0 = ((L.x >> sl) & M) | (((C.x >> sh) & H) << 4);
        int v1 = ((L.y >> sl) & M) | (((C.y >> sh) & H) << 4);
        int v2 = ((L.z >> sl) & M) | (((C.z >> sh) & H) << 4);
        int v3 = ((L.w >> sl) & M) | (((C.w >> sh) & H) << 4);
        int dot = __dp4a(v3, X.w, __dp4a(v2, X.z, __dp4a(v1, X.y, __dp4a(v0, X.x, 0))));
        s += sc[q] * (dot - 32 * sx[q]);
    }
    return s;
}

// sum16 is the sum of 16 int8 activations.
__device__ __forceinline__ int sum16(int4 X) {
    const int ONES = 0x01010101;
    return __dp4a(ONES, X.w, __dp4a(ONES, X.z, __dp4a(ONES, X.y, __dp4a(ONES, X.x, 0))));
}

// mv_q6_k_row is row j of the one-token Q6_K product with plain loads,
// for rows whose regions are not 16-byte aligned (read in 2-byte pieces).
__device__ __forceinline__ void mv_q6_k_row(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, long long rs,
                                            int j) {
    int lane = threadIdx.x & 31;
    int nb = k / QK_K, g = lane & 3, h = g >> 1, l0 = 16 * (g & 1);
    const uint8_t* row = w + (long long)j * rs;
    float acc = 0.0f;
#pragma unroll 2
    for (int b = lane >> 2; b < nb; b += 8) {
        q6k_row blk = q6k_at(row, nb, b);
        int4 A = load16(blk.ql + 64 * h + l0, false);
        int4 B = load16(blk.ql + 64 * h + 32 + l0, false);
        int4 C = load16(blk.qh + 32 * h + l0, false);
        const int4* xp = (const int4*)(xq + (long long)QK_K * b + 128 * h + l0);
        int4 x[4] = {__ldg(xp), __ldg(xp + 2), __ldg(xp + 4), __ldg(xp + 6)}; // quarters 0…3
        float dx = __ldg(xd + b);
        const int8_t* scp = (const int8_t*)blk.sc + 8 * h + (g & 1);
        int sx[4], sc[4];
#pragma unroll
        for (int q = 0; q < 4; q++) sx[q] = sum16(x[q]), sc[q] = (int)__ldg(scp + 2 * q);
        int s = q6k_half(A, B, C, x, sx, sc);
        float d = __half2float(__ushort_as_half(*(const unsigned short*)blk.d));
        acc += __fmul_rn(d, dx) * (float)s;
    }
    acc = warp_sum(acc);
    if (lane == 0) dst[j] = acc;
}

// mv_q6_k_one: a warp computes KQ_R rows. aligned: the rows' regions are
// 16-byte aligned (W4 false), or 4-byte aligned (W4: an even number of
// blocks, not a multiple of 8; the weights are then copied in 4-byte
// pieces); a pipeline step (pipe.cuh) then copies, for each row, A, B, C,
// the 8 bytes of sub-block scales of the lane's half block and the 4-byte
// word holding d, then the lane's 64 activations and their block's scale.
// Other rows go one at a time through mv_q6_k_row. A and B go through L1
// (.ca): a warp's copy of A takes half of the low bits' sectors and that
// of B the other half (as for Q4_K's nibbles). Each kernel instantiates
// one W4: both in one kernel made the 16-byte path 1-3% slower (H100).
template <bool W4>
__device__ __forceinline__ void mv_q6_k_one(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, long long rs,
                                            int aligned, int bx) {
    const uint8_t* rows[KQ_R];
    int j0 = warp_rows<KQ_WARPS, KQ_R>(w, m, rs, bx, rows);
    if (j0 >= m) return;
    if (!aligned) {
        for (int r = 0; r < KQ_R && j0 + r < m; r++) mv_q6_k_row(dst, w, xq, xd, m, k, rs, j0 + r);
        return;
    }
    __shared__ int4 sa[KQ_WARPS][KQ_STAGES][KQ_R][32], sb[KQ_WARPS][KQ_STAGES][KQ_R][32], sc_[KQ_WARPS][KQ_STAGES][KQ_R][32];
    __shared__ uint2 ss[KQ_WARPS][KQ_STAGES][KQ_R][32];
    __shared__ uint32_t sdd[KQ_WARPS][KQ_STAGES][KQ_R][32];
    __shared__ int4 sx[KQ_WARPS][KQ_STAGES][4][32];
    __shared__ float sd[KQ_WARPS][KQ_STAGES][32];
    int wi = threadIdx.x >> 5, lane = threadIdx.x & 31, nb = k / QK_K, g = lane & 3, h = g >> 1, l0 = 16 * (g & 1), b0 = lane >> 2;
    float acc[KQ_R];
#pragma unroll
    for (int r = 0; r < KQ_R; r++) acc[r] = 0.0f;
    pipe<KQ_STAGES>(
        nb > b0 ? (nb - b0 + 7) / 8 : 0,
        [&](int s, int i) {
            int b = b0 + 8 * i;
#pragma unroll
            for (int r = 0; r < KQ_R; r++) {
                q6k_row blk = q6k_at(rows[r], nb, b);
                if constexpr (W4) {
#pragma unroll
                    for (int e = 0; e < 4; e++) {
                        cp_async4((uint32_t*)&sa[wi][s][r][lane] + e, blk.ql + 64 * h + l0 + 4 * e, 4);
                        cp_async4((uint32_t*)&sb[wi][s][r][lane] + e, blk.ql + 64 * h + 32 + l0 + 4 * e, 4);
                        cp_async4((uint32_t*)&sc_[wi][s][r][lane] + e, blk.qh + 32 * h + l0 + 4 * e, 4);
                    }
                    cp_async4(&ss[wi][s][r][lane].x, blk.sc + 8 * h, 4);
                    cp_async4(&ss[wi][s][r][lane].y, blk.sc + 8 * h + 4, 4);
                } else {
                    cp_async16_ca(&sa[wi][s][r][lane], blk.ql + 64 * h + l0);
                    cp_async16_ca(&sb[wi][s][r][lane], blk.ql + 64 * h + 32 + l0);
                    cp_async16_cg(&sc_[wi][s][r][lane], blk.qh + 32 * h + l0);
                    cp_async8(&ss[wi][s][r][lane], blk.sc + 8 * h);
                }
                cp_async4(&sdd[wi][s][r][lane], rows[r] + 208 * nb + 4 * (b >> 1), 4); // nb is even
            }
            const int8_t* xp = xq + (long long)QK_K * b + 128 * h + l0;
#pragma unroll
            for (int q = 0; q < 4; q++) cp_async16_ca(&sx[wi][s][q][lane], xp + 32 * q);
            cp_async4(&sd[wi][s][lane], xd + b, 4);
        },
        [&](int s, int i) {
            int b = b0 + 8 * i;
            int4 x[4];
            int sx4[4];
#pragma unroll
            for (int q = 0; q < 4; q++) x[q] = sx[wi][s][q][lane], sx4[q] = sum16(x[q]);
            float dx = sd[wi][s][lane];
#pragma unroll
            for (int r = 0; r < KQ_R; r++) {
                uint2 sv = ss[wi][s][r][lane];
                int sc[4];
#pragma unroll
                for (int q = 0; q < 4; q++) sc[q] = (int)(int8_t)(((q < 2 ? sv.x : sv.y) >> (8 * ((g & 1) + 2 * (q & 1)))) & 0xFF);
                int sum = q6k_half(sa[wi][s][r][lane], sb[wi][s][r][lane], sc_[wi][s][r][lane], x, sx4, sc);
                uint32_t dw = sdd[wi][s][r][lane];
                float d = __half2float(__ushort_as_half((unsigned short)((b & 1) ? dw >> 16 : dw & 0xFFFF)));
                acc[r] += __fmul_rn(d, dx) * (float)sum;
            }
        });
    row_store<KQ_R>(dst, acc, j0, m);
}

extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32)
    mv_q4_k_1(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs) {
    pdl_product();
    mv_q4_k_one(dst, w, xq, xd, m, k, rs, blockIdx.x);
}

extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32, KQ_MIN_BLOCKS)
    mv_q6_k_1(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs, int aligned) {
    pdl_product();
    mv_q6_k_one<false>(dst, w, xq, xd, m, k, rs, aligned, blockIdx.x);
}

// mv_q6_k_1_w4 is mv_q6_k_1 for rows 4-byte aligned only (aligned: 1
// where rows and their regions are, matmul.go's q6kAlign).
extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32, KQ_MIN_BLOCKS)
    mv_q6_k_1_w4(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs, int aligned) {
    pdl_product();
    mv_q6_k_one<true>(dst, w, xq, xd, m, k, rs, aligned, blockIdx.x);
}

// mv3_…_1: up to three one-token products of one input in one launch
// (mv3.cuh); Q4_K rows are 16-byte aligned (the host checks).
extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32) mv3_mv_q4_k_1(MV3_PARAMS, const int8_t* xq, const float* xd) {
    MV3_SEGMENT(KQ_WARPS)
    pdl_product();
    mv_q4_k_one(dst, w, xq, xd, m, k, rs, bx);
}

extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32, KQ_MIN_BLOCKS) mv3_mv_q6_k_1(MV3_PARAMS, const int8_t* xq, const float* xd) {
    MV3_SEGMENT(KQ_WARPS * KQ_R)
    pdl_product();
    mv_q6_k_one<false>(dst, w, xq, xd, m, k, rs, aligned, bx);
}

// mv3r_…_1_<cache>: the q, k and v products with RoPE and the KV store
// (mv3.cuh).
#define MV3R_Q4_K(CACHE, T)                                                                                           \
    extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32)                                                       \
        mv3r_mv_q4_k_1_##CACHE(MV3_PARAMS, const int8_t* xq, const float* xd, MV3R_PARAMS(T)) {                      \
        MV3_SEGMENT(KQ_WARPS)                                                                                         \
        MV3R_ANGLE(KQ_WARPS)                                                                                          \
        pdl_product();                                                                                                \
        mv_q4_k_one(dst, w, xq, xd, m, k, rs, bx);                                                                    \
        MV3R_STORE(KQ_WARPS)                                                                                          \
    }
#define MV3R_Q6_K(CACHE, T)                                                                                           \
    extern "C" __global__ void __launch_bounds__(KQ_WARPS * 32, KQ_MIN_BLOCKS)                                        \
        mv3r_mv_q6_k_1_##CACHE(MV3_PARAMS, const int8_t* xq, const float* xd, MV3R_PARAMS(T)) {                      \
        MV3_SEGMENT(KQ_WARPS * KQ_R)                                                                                  \
        MV3R_ANGLE(KQ_WARPS * KQ_R)                                                                                   \
        pdl_product();                                                                                                \
        mv_q6_k_one<false>(dst, w, xq, xd, m, k, rs, aligned, bx);                                                    \
        MV3R_STORE(KQ_WARPS * KQ_R)                                                                                   \
    }

MV3R_Q4_K(f32, float)
MV3R_Q4_K(f16, __half)
MV3R_Q6_K(f32, float)
MV3R_Q6_K(f16, __half)
