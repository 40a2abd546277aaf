// matvec.cu: dst (n×m) = x (n×k) · wᵀ for every weight format, one warp per
// weight row and NT tokens per pass (grid y walks the token groups), so a
// decode step (n = 1) reads each weight once and a prefill reads it ⌈n/NT⌉
// times, mostly from L2. NT is 1 (decode) or MV_NT.
//
// Lanes read consecutive 16-byte words of the row (a warp reads 512
// contiguous bytes), MV_UNROLL words per lane loaded before any is used so
// that several loads are in flight. `aligned` says the rows allow 16-byte
// loads, else the same words are read in 2-byte pieces.
//
// Activations come converted as the CPU backend converts them: to F16 or
// BF16 for F16 or BF16 weights (xh, n×k), to Q8_0 for quantized ones (quants xq, n×k int8;
// scales xd, n×k/32 float). Quantized blocks are summed in integers with
// dp4a, as ggml's CPU dot products do.
//
// The one-token Q8_0 and Q4_0 kernels give each warp MV_R rows (fewer
// warps: the 4096-row matrices of an 8B model fit one wave) and on 16-byte
// aligned rows copy each lane's words of those rows, their scales and the
// activations they share into shared memory with cp.async, MV_STAGES steps
// ahead of their use (pipe.cuh): the loads of a step are all in flight
// while the lane computes earlier ones, and the lane reads only shared
// memory when it computes.
#include "common.cuh"
#include "mv3.cuh"
#include "pipe.cuh"

#define MV_WARPS 4  // rows per block of 128 threads
#define MV_NT 8     // tokens per pass for n > 1
#define MV_UNROLL 4 // 16-byte words per lane in flight
#define MV_MIN_BLOCKS 8 // one-token kernels: blocks per SM the registers must allow
#ifndef MV_R
#define MV_R 2 // one-token Q8_0/Q4_0 kernels: weight rows per warp (matmul.go's mvRows)
#endif
#ifndef MV_STAGES
#define MV_STAGES (MV_R >= 2 ? 3 : 4) // one-token Q8_0/Q4_0 kernels: pipeline steps per lane in flight
#endif

template <int NT>
__device__ __forceinline__ void mv_store(float* dst, float (&acc)[NT], int nt, int t0, int m, int j) {
    pdl_product_end();
#pragma unroll
    for (int t = 0; t < NT; t++) {
        float s = warp_sum(acc[t]);
        if (t < nt && (threadIdx.x & 31) == 0) dst[(long long)(t0 + t) * m + j] = s;
    }
}

// mv_walk computes one weight row for NT tokens: it walks the row's words
// (16 bytes each; nw of them), calling load(c) for MV_UNROLL words per lane
// before dot(acc, loaded, c) uses any, so that their loads (the word, its
// scale, and for one token the activations) are in flight together.
template <int NT, typename Load, typename Dot>
__device__ __forceinline__ void mv_walk(float (&acc)[NT], int nw, Load load, Dot dot) {
    using W = decltype(load(0));
    int lane = threadIdx.x & 31;
    for (int c0 = lane; c0 < nw; c0 += 32 * MV_UNROLL) {
        W wv[MV_UNROLL];
#pragma unroll
        for (int u = 0; u < MV_UNROLL; u++) {
            int c = c0 + 32 * u;
            if (c < nw) wv[u] = load(c);
        }
#pragma unroll
        for (int u = 0; u < MV_UNROLL; u++) {
            int c = c0 + 32 * u;
            if (c < nw) dot(acc, wv[u], c);
        }
    }
}

// cp_scale copies the 4-byte aligned word holding F16 scale q of a row's
// scales sc (nb of them; sc 4-byte aligned) into *s, reading no byte past
// the last scale; scale_of(*s, q) is then scale q.
__device__ __forceinline__ void cp_scale(uint32_t* s, const __half* sc, int q, int nb) {
    int q0 = q & ~1;
    cp_async4(s, sc + q0, q0 + 1 < nb ? 4 : 2);
}
__device__ __forceinline__ float scale_of(uint32_t w, int q) {
    return __half2float(__ushort_as_half((unsigned short)((q & 1) ? w >> 16 : w & 0xFFFF)));
}

// word is one 16-byte word of weights with what its dot product needs:
// the block scale, and for a single token its activations (16 or 32 int8
// quants and their scale, or 8 halves).
struct word {
    int4 w;
    float d;
    int4 x0, x1;
    float dx;
};

// F32 weights, 4 per word; aligned: rows of w and x start 16-byte aligned
// and k % 4 == 0. Other rows go element by element.
template <int NT>
__device__ __forceinline__ void mv_f32(float* dst, const uint8_t* w, const float* x, int m, int k, int n, long long rs, int aligned, int bx) {
    int lane = threadIdx.x & 31, j = bx * MV_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * NT, nt = min(NT, n - t0);
    const float* wr = (const float*)(w + (long long)j * rs);
    const float* xb = x + (long long)t0 * k;
    float acc[NT];
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = 0.0f;
    int nw = aligned ? k / 4 : 0;
    mv_walk<NT>(acc, nw,
                [&](int c) {
                    word r;
                    r.w = __ldg((const int4*)wr + c);
                    if constexpr (NT == 1) r.x0 = *((const int4*)xb + c);
                    return r;
                },
                [&](float (&a)[NT], const word& r, int c) {
                    float4 wv = *(const float4*)&r.w;
#pragma unroll
                    for (int t = 0; t < NT; t++) {
                        if (t < nt) {
                            float4 xv;
                            if constexpr (NT == 1) xv = *(const float4*)&r.x0;
                            else xv = *((const float4*)(xb + (long long)t * k) + c);
                            a[t] += wv.x * xv.x + wv.y * xv.y + wv.z * xv.z + wv.w * xv.w;
                        }
                    }
                });
    for (int e = 4 * nw + lane; e < k; e += 32) {
        float wv = wr[e];
#pragma unroll
        for (int t = 0; t < NT; t++)
            if (t < nt) acc[t] += wv * xb[(long long)t * k + e];
    }
    mv_store<NT>(dst, acc, nt, t0, m, j);
}

// F16 weights, 8 per word, with activations already rounded to F16 (xh).
// aligned: rows of w and xh 16-byte aligned (k % 8 == 0).
template <int NT>
__device__ __forceinline__ void mv_f16(float* dst, const uint8_t* w, const __half* xh, int m, int k, int n, long long rs, int aligned, int bx) {
    int lane = threadIdx.x & 31, j = bx * MV_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * NT, nt = min(NT, n - t0);
    const __half* wr = (const __half*)(w + (long long)j * rs);
    const __half* xb = xh + (long long)t0 * k;
    float acc[NT];
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = 0.0f;
    int nw = aligned ? k / 8 : 0;
    mv_walk<NT>(acc, nw,
                [&](int c) {
                    word r;
                    r.w = __ldg((const int4*)wr + c);
                    if constexpr (NT == 1) r.x0 = *((const int4*)xb + c);
                    return r;
                },
                [&](float (&a)[NT], const word& r, int c) {
                    const __half2* wh = (const __half2*)&r.w;
#pragma unroll
                    for (int t = 0; t < NT; t++) {
                        if (t < nt) {
                            int4 xraw;
                            if constexpr (NT == 1) xraw = r.x0;
                            else xraw = *((const int4*)(xb + (long long)t * k) + c);
                            const __half2* xv = (const __half2*)&xraw;
                            float s = a[t];
#pragma unroll
                            for (int i = 0; i < 4; i++) {
                                float2 wf = __half22float2(wh[i]), xf = __half22float2(xv[i]);
                                s += wf.x * xf.x + wf.y * xf.y;
                            }
                            a[t] = s;
                        }
                    }
                });
    for (int e = 8 * nw + lane; e < k; e += 32) {
        float wv = __half2float(wr[e]);
#pragma unroll
        for (int t = 0; t < NT; t++)
            if (t < nt) acc[t] += wv * __half2float(xb[(long long)t * k + e]);
    }
    mv_store<NT>(dst, acc, nt, t0, m, j);
}

// bf16_lo and bf16_hi widen the bfloat16 in the low or high half of a word.
__device__ __forceinline__ float bf16_lo(uint32_t v) { return __uint_as_float(v << 16); }
__device__ __forceinline__ float bf16_hi(uint32_t v) { return __uint_as_float(v & 0xffff0000u); }

// BF16 weights, 8 per word, with activations already rounded to BF16 (xh).
// aligned: rows of w and xh 16-byte aligned (k % 8 == 0).
template <int NT>
__device__ __forceinline__ void mv_bf16(float* dst, const uint8_t* w, const uint16_t* xh, int m, int k, int n, long long rs, int aligned, int bx) {
    int lane = threadIdx.x & 31, j = bx * MV_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * NT, nt = min(NT, n - t0);
    const uint16_t* wr = (const uint16_t*)(w + (long long)j * rs);
    const uint16_t* xb = xh + (long long)t0 * k;
    float acc[NT];
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = 0.0f;
    int nw = aligned ? k / 8 : 0;
    mv_walk<NT>(acc, nw,
                [&](int c) {
                    word r;
                    r.w = __ldg((const int4*)wr + c);
                    if constexpr (NT == 1) r.x0 = *((const int4*)xb + c);
                    return r;
                },
                [&](float (&a)[NT], const word& r, int c) {
                    const uint32_t* wh = (const uint32_t*)&r.w;
#pragma unroll
                    for (int t = 0; t < NT; t++) {
                        if (t < nt) {
                            int4 xraw;
                            if constexpr (NT == 1) xraw = r.x0;
                            else xraw = *((const int4*)(xb + (long long)t * k) + c);
                            const uint32_t* xv = (const uint32_t*)&xraw;
                            float s = a[t];
#pragma unroll
                            for (int i = 0; i < 4; i++) {
                                s += bf16_lo(wh[i]) * bf16_lo(xv[i]) + bf16_hi(wh[i]) * bf16_hi(xv[i]);
                            }
                            a[t] = s;
                        }
                    }
                });
    for (int e = 8 * nw + lane; e < k; e += 32) {
        float wv = bf16_lo(wr[e]);
#pragma unroll
        for (int t = 0; t < NT; t++)
            if (t < nt) acc[t] += wv * bf16_lo(xb[(long long)t * k + e]);
    }
    mv_store<NT>(dst, acc, nt, t0, m, j);
}

// dot16 is the integer dot product of 16 int8 pairs.
__device__ __forceinline__ int dot16(int4 a, int4 b, int s) {
    s = __dp4a(a.x, b.x, s);
    s = __dp4a(a.y, b.y, s);
    s = __dp4a(a.z, b.z, s);
    return __dp4a(a.w, b.w, s);
}

// Q8_0 weights in the device layout: row = k int8 quants, then k/32 F16
// scales; a word is half a block. aligned: the row's quants are 16-byte
// aligned (row bytes % 16 == 0). Row j for NT tokens.
template <int NT>
__device__ __forceinline__ void mv_q8_0(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n,
                                        long long rs, int aligned, int j) {
    if (j >= m) return;
    int t0 = blockIdx.y * NT, nt = min(NT, n - t0);
    const uint8_t* qs = w + (long long)j * rs;
    const __half* sc = (const __half*)(qs + k);
    int nb = k / 32;
    float acc[NT];
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = 0.0f;
    mv_walk<NT>(acc, k / 16,
                [&](int c) {
                    word r;
                    r.w = load16(qs + 16 * c, aligned);
                    r.d = __half2float(sc[c >> 1]);
                    if constexpr (NT == 1) {
                        r.x0 = *(const int4*)(xq + (long long)t0 * k + 16 * c);
                        r.dx = xd[(long long)t0 * nb + (c >> 1)];
                    }
                    return r;
                },
                [&](float (&a)[NT], const word& r, int c) {
#pragma unroll
                    for (int t = 0; t < NT; t++) {
                        if (t < nt) {
                            long long row = t0 + t;
                            if constexpr (NT == 1) {
                                a[t] += (float)dot16(r.w, r.x0, 0) * (r.d * r.dx);
                            } else {
                                int4 xv = *(const int4*)(xq + row * k + 16 * c);
                                a[t] += (float)dot16(r.w, xv, 0) * (r.d * xd[row * nb + (c >> 1)]);
                            }
                        }
                    }
                });
    mv_store<NT>(dst, acc, nt, t0, m, j);
}

// mv_q8_0_one is the one-token Q8_0 product: a warp computes MV_R rows,
// lane l words l + 32i of each. On 16-byte aligned rows a pipeline step
// copies, for one word, the word of each row and the word holding its
// scale, the 16 activations and their scale (pipe.cuh).
__device__ __forceinline__ void mv_q8_0_one(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k,
                                            long long rs, int aligned, int bx) {
    const uint8_t* rows[MV_R];
    int j0 = warp_rows<MV_WARPS, MV_R>(w, m, rs, bx, rows);
    if (j0 >= m) return;
    if (!aligned) {
        pdl_wait();
        for (int r = 0; r < MV_R; r++) mv_q8_0<1>(dst, w, xq, xd, m, k, 1, rs, 0, j0 + r);
        return;
    }
    __shared__ int4 sw[MV_WARPS][MV_STAGES][MV_R][32], sx[MV_WARPS][MV_STAGES][32];
    __shared__ uint32_t ss[MV_WARPS][MV_STAGES][MV_R][32];
    __shared__ float sd[MV_WARPS][MV_STAGES][32];
    int wi = threadIdx.x >> 5, lane = threadIdx.x & 31, nb = k / 32, nw = k / 16;
    float a[MV_R];
#pragma unroll
    for (int r = 0; r < MV_R; r++) a[r] = 0.0f;
    pipe_after_wait<MV_STAGES>(
        nw > lane ? (nw - lane + 31) / 32 : 0,
        [&](int s, int i) {
            int c = lane + 32 * i;
#pragma unroll
            for (int r = 0; r < MV_R; r++) {
                cp_async16_cg(&sw[wi][s][r][lane], rows[r] + 16 * c);
                cp_scale(&ss[wi][s][r][lane], (const __half*)(rows[r] + k), c >> 1, nb);
            }
        },
        [&](int s, int i) {
            int c = lane + 32 * i;
            cp_async16_ca(&sx[wi][s][lane], xq + 16 * c);
            cp_async4(&sd[wi][s][lane], xd + (c >> 1), 4);
        },
        [&](int s, int i) {
            int c = lane + 32 * i;
            int4 x = sx[wi][s][lane];
            float dx = sd[wi][s][lane];
#pragma unroll
            for (int r = 0; r < MV_R; r++)
                a[r] += (float)dot16(sw[wi][s][r][lane], x, 0) * (scale_of(ss[wi][s][r][lane], c >> 1) * dx);
        });
    row_store<MV_R>(dst, a, j0, m);
}

// q4_0_dot is a Q4_0 block's integer dot product with 32 activations
// (x0: elements 0…15, x1: 16…31), the nibbles taken as unsigned and the
// offset 8 applied through the activations' sum.
__device__ __forceinline__ int q4_0_dot(int4 wv, int4 x0, int4 x1) {
    const int M = 0x0F0F0F0F, ONES = 0x01010101;
    int4 lo = make_int4(wv.x & M, wv.y & M, wv.z & M, wv.w & M);
    int4 hi = make_int4((wv.x >> 4) & M, (wv.y >> 4) & M, (wv.z >> 4) & M, (wv.w >> 4) & M);
    int4 ones = make_int4(ONES, ONES, ONES, ONES);
    int sum = dot16(hi, x1, dot16(lo, x0, 0));
    int sx = dot16(ones, x1, dot16(ones, x0, 0));
    return sum - 8 * sx;
}

// Q4_0 weights in the device layout: row = k/2 bytes of nibbles (per block
// 16 bytes, element i in the low nibble of byte i, element i+16 in the
// high one), then k/32 F16 scales; a word is one block. Row j for NT
// tokens.
template <int NT>
__device__ __forceinline__ void mv_q4_0(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n,
                                        long long rs, int aligned, int j) {
    if (j >= m) return;
    int t0 = blockIdx.y * NT, nt = min(NT, n - t0);
    const uint8_t* qs = w + (long long)j * rs;
    const __half* sc = (const __half*)(qs + k / 2);
    int nb = k / 32;
    float acc[NT];
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = 0.0f;
    mv_walk<NT>(acc, nb,
                [&](int b) {
                    word r;
                    r.w = load16(qs + 16 * b, aligned);
                    r.d = __half2float(sc[b]); // activations: from L1 when used (registers)
                    return r;
                },
                [&](float (&a)[NT], const word& r, int b) {
#pragma unroll
                    for (int t = 0; t < NT; t++) {
                        if (t < nt) {
                            long long row = t0 + t;
                            const int4* xp = (const int4*)(xq + row * k + 32 * b);
                            float dx = xd[row * nb + b];
                            a[t] += (float)q4_0_dot(r.w, xp[0], xp[1]) * (r.d * dx);
                        }
                    }
                });
    mv_store<NT>(dst, acc, nt, t0, m, j);
}

// mv_q4_0_one is the one-token Q4_0 product: a warp computes MV_R rows,
// lane l blocks l + 32i of each. On 16-byte aligned rows a pipeline step
// copies, for one block, the nibbles of each row and the word holding its
// scale, the 32 activations and their scale (pipe.cuh).
__device__ __forceinline__ void mv_q4_0_one(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k,
                                            long long rs, int aligned, int bx) {
    const uint8_t* rows[MV_R];
    int j0 = warp_rows<MV_WARPS, MV_R>(w, m, rs, bx, rows);
    if (j0 >= m) return;
    if (!aligned) {
        pdl_wait();
        for (int r = 0; r < MV_R; r++) mv_q4_0<1>(dst, w, xq, xd, m, k, 1, rs, 0, j0 + r);
        return;
    }
    __shared__ int4 sw[MV_WARPS][MV_STAGES][MV_R][32], sx0[MV_WARPS][MV_STAGES][32], sx1[MV_WARPS][MV_STAGES][32];
    __shared__ uint32_t ss[MV_WARPS][MV_STAGES][MV_R][32];
    __shared__ float sd[MV_WARPS][MV_STAGES][32];
    int wi = threadIdx.x >> 5, lane = threadIdx.x & 31, nb = k / 32;
    float a[MV_R];
#pragma unroll
    for (int r = 0; r < MV_R; r++) a[r] = 0.0f;
    pipe_after_wait<MV_STAGES>(
        nb > lane ? (nb - lane + 31) / 32 : 0,
        [&](int s, int i) {
            int b = lane + 32 * i;
#pragma unroll
            for (int r = 0; r < MV_R; r++) {
                cp_async16_cg(&sw[wi][s][r][lane], rows[r] + 16 * b);
                cp_scale(&ss[wi][s][r][lane], (const __half*)(rows[r] + k / 2), b, nb);
            }
        },
        [&](int s, int i) {
            int b = lane + 32 * i;
            cp_async16_ca(&sx0[wi][s][lane], xq + 32 * b);
            cp_async16_ca(&sx1[wi][s][lane], xq + 32 * b + 16);
            cp_async4(&sd[wi][s][lane], xd + b, 4);
        },
        [&](int s, int i) {
            int b = lane + 32 * i;
            int4 x0 = sx0[wi][s][lane], x1 = sx1[wi][s][lane];
            float dx = sd[wi][s][lane];
#pragma unroll
            for (int r = 0; r < MV_R; r++)
                a[r] += (float)q4_0_dot(sw[wi][s][r][lane], x0, x1) * (scale_of(ss[wi][s][r][lane], b) * dx);
        });
    row_store<MV_R>(dst, a, j0, m);
}

// mv_q4_0_lanes is the Q4_0 product, for NT tokens, in the order of the
// CPU backend for rows it does not repack (a row count not a multiple of
// 8: backend/cpu's dotLanes8, ggml's x86 ggml_vec_dot_q4_0_q8_0): eight
// float lanes, lane a adding each block's integer sum of elements
// 4a…4a+3 times the product of the two scales with a fused multiply-add,
// block after block, then the lanes added as hsum8 adds them. The results
// are the CPU's bits; where the other kernels' order lands an ulp away, the
// next op's quantization can round to the other integer (stories260K's
// feed-forward, 172 rows). A warp computes one row: lane l sums block
// 32i + l in integers, then lane 8t + a chains lane a of token t over the
// 32 blocks in order, through shared memory.
template <int NT>
__device__ __forceinline__ void mv_q4_0_lanes(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n,
                                              long long rs, int bx) {
    static_assert(8 * NT <= 32, "a lane for each chain");
    __shared__ int ss[MV_WARPS][32][8 * NT + 1];
    __shared__ float sd[MV_WARPS][32][NT];
    int wi = threadIdx.x >> 5, lane = threadIdx.x & 31, j = bx * MV_WARPS + wi;
    if (j >= m) return;
    int t0 = blockIdx.y * NT, nt = min(NT, n - t0), nb = k / 32;
    const uint8_t* qs = w + (long long)j * rs;
    const __half* sc = (const __half*)(qs + k / 2);
    float acc = 0.0f;
    for (int b0 = 0; b0 < nb; b0 += 32) {
        int b = b0 + lane;
        if (b < nb) {
            const uint16_t* h = (const uint16_t*)(qs + 16 * b); // rows are 2-byte aligned (18 bytes a block)
            float dw = __half2float(sc[b]);
#pragma unroll
            for (int t = 0; t < NT; t++) {
                if (t < nt) {
                    const int* x = (const int*)(xq + (long long)(t0 + t) * k + 32 * b);
#pragma unroll
                    for (int a = 0; a < 4; a++) {
                        int q = (int)((uint32_t)h[2 * a] | (uint32_t)h[2 * a + 1] << 16);
                        int lo = q & 0x0F0F0F0F, hi = (q >> 4) & 0x0F0F0F0F;
                        ss[wi][lane][8 * t + a] = __dp4a(lo, x[a], 0) - 8 * __dp4a(0x01010101, x[a], 0);
                        ss[wi][lane][8 * t + a + 4] = __dp4a(hi, x[a + 4], 0) - 8 * __dp4a(0x01010101, x[a + 4], 0);
                    }
                    sd[wi][lane][t] = dw * xd[(long long)(t0 + t) * nb + b];
                }
            }
        }
        __syncwarp();
        if (lane < 8 * nt) {
            int cnt = min(32, nb - b0);
            for (int i = 0; i < cnt; i++) acc = fmaf(sd[wi][i][lane >> 3], (float)ss[wi][i][lane], acc);
        }
        __syncwarp();
    }
    acc += __shfl_down_sync(FULL_MASK, acc, 4); // lane a < 4: lanes a and a + 4
    acc += __shfl_down_sync(FULL_MASK, acc, 2); // lane 0: (0+4) + (2+6), lane 1: (1+5) + (3+7)
    acc += __shfl_down_sync(FULL_MASK, acc, 1);
    if ((lane & 7) == 0 && (lane >> 3) < nt) dst[(long long)(t0 + (lane >> 3)) * m + j] = acc;
}

#define MV_LANES_NT 4 // mv_q4_0_lanes: tokens per pass for n > 1 (a lane for each of 4·8 chains)

// The kernels: NAME_1 for one token, NAME_8 for MV_NT tokens per pass.
#define MV_FLOAT(NAME, XT)                                                                                            \
    extern "C" __global__ void __launch_bounds__(MV_WARPS * 32, MV_MIN_BLOCKS)                                        \
        NAME##_1(float* dst, const uint8_t* w, const XT* x, int m, int k, int n, long long rs, int aligned) {         \
        pdl_product();                                                                                                \
        NAME<1>(dst, w, x, m, k, n, rs, aligned, blockIdx.x);                                                         \
    }                                                                                                                 \
    extern "C" __global__ void __launch_bounds__(MV_WARPS * 32)                                                       \
        NAME##_8(float* dst, const uint8_t* w, const XT* x, int m, int k, int n, long long rs, int aligned) {         \
        pdl_begin();                                                                                                  \
        NAME<MV_NT>(dst, w, x, m, k, n, rs, aligned, blockIdx.x);                                                     \
    }

#define MV_QUANT(NAME)                                                                                                \
    extern "C" __global__ void __launch_bounds__(MV_WARPS * 32, MV_MIN_BLOCKS) NAME##_1(                             \
        float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs, int aligned) { \
        NAME##_one(dst, w, xq, xd, m, k, rs, aligned, blockIdx.x); /* waits inside: pipe_after_wait */                \
    }                                                                                                                 \
    extern "C" __global__ void __launch_bounds__(MV_WARPS * 32) NAME##_8(                                            \
        float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs, int aligned) { \
        pdl_begin();                                                                                                  \
        NAME<MV_NT>(dst, w, xq, xd, m, k, n, rs, aligned, blockIdx.x * MV_WARPS + (threadIdx.x >> 5));               \
    }

MV_FLOAT(mv_f32, float)
MV_FLOAT(mv_f16, __half)
MV_FLOAT(mv_bf16, uint16_t)
MV_QUANT(mv_q8_0)
MV_QUANT(mv_q4_0)

// mv_q4_0_lanes_1 (one token) and mv_q4_0_lanes_4 (MV_LANES_NT a pass).
extern "C" __global__ void __launch_bounds__(MV_WARPS * 32)
    mv_q4_0_lanes_1(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs) {
    pdl_begin();
    mv_q4_0_lanes<1>(dst, w, xq, xd, m, k, n, rs, blockIdx.x);
}
extern "C" __global__ void __launch_bounds__(MV_WARPS * 32)
    mv_q4_0_lanes_4(float* dst, const uint8_t* w, const int8_t* xq, const float* xd, int m, int k, int n, long long rs) {
    pdl_begin();
    mv_q4_0_lanes<MV_LANES_NT>(dst, w, xq, xd, m, k, n, rs, blockIdx.x);
}

// mv3_NAME_1: up to three one-token products of one input in one launch
// (mv3.cuh).
#define MV3_FLOAT(NAME, XT)                                                                                           \
    extern "C" __global__ void __launch_bounds__(MV_WARPS * 32, MV_MIN_BLOCKS) mv3_##NAME##_1(MV3_PARAMS, const XT* x) { \
        MV3_SEGMENT(MV_WARPS)                                                                                         \
        pdl_product();                                                                                                \
        NAME<1>(dst, w, x, m, k, 1, rs, aligned, bx);                                                                 \
    }
#define MV3_QUANT(NAME)                                                                                               \
    extern "C" __global__ void __launch_bounds__(MV_WARPS * 32, MV_MIN_BLOCKS)                                        \
        mv3_##NAME##_1(MV3_PARAMS, const int8_t* xq, const float* xd) {                                               \
        MV3_SEGMENT(MV_WARPS * MV_R)                                                                                  \
        NAME##_one(dst, w, xq, xd, m, k, rs, aligned, bx); /* waits inside: pipe_after_wait */                        \
    }

MV3_FLOAT(mv_f32, float)
MV3_FLOAT(mv_f16, __half)
MV3_FLOAT(mv_bf16, uint16_t)
MV3_QUANT(mv_q8_0)
MV3_QUANT(mv_q4_0)

// mv3r_NAME_1_<cache>: the q, k and v products with RoPE and the KV store
// (mv3.cuh).
#define MV3R_FLOAT(NAME, XT, CACHE, T)                                                                                \
    extern "C" __global__ void __launch_bounds__(MV_WARPS * 32, MV_MIN_BLOCKS)                                        \
        mv3r_##NAME##_1_##CACHE(MV3_PARAMS, const XT* x, MV3R_PARAMS(T)) {                                           \
        MV3_SEGMENT(MV_WARPS)                                                                                         \
        MV3R_ANGLE(MV_WARPS)                                                                                          \
        pdl_product();                                                                                                \
        NAME<1>(dst, w, x, m, k, 1, rs, aligned, bx);                                                                 \
        MV3R_STORE(MV_WARPS)                                                                                          \
    }
#define MV3R_QUANT(NAME, CACHE, T)                                                                                    \
    extern "C" __global__ void __launch_bounds__(MV_WARPS * 32, MV_MIN_BLOCKS)                                        \
        mv3r_##NAME##_1_##CACHE(MV3_PARAMS, const int8_t* xq, const float* xd, MV3R_PARAMS(T)) {                     \
        MV3_SEGMENT(MV_WARPS * MV_R)                                                                                  \
        MV3R_ANGLE(MV_WARPS * MV_R)                                                                                   \
        NAME##_one(dst, w, xq, xd, m, k, rs, aligned, bx); /* waits inside: pipe_after_wait */                        \
        MV3R_STORE(MV_WARPS * MV_R)                                                                                   \
    }

MV3R_FLOAT(mv_f32, float, f32, float)
MV3R_FLOAT(mv_f32, float, f16, __half)
MV3R_FLOAT(mv_f16, __half, f32, float)
MV3R_FLOAT(mv_f16, __half, f16, __half)
MV3R_FLOAT(mv_bf16, uint16_t, f32, float)
MV3R_FLOAT(mv_bf16, uint16_t, f16, __half)
MV3R_QUANT(mv_q8_0, f32, float)
MV3R_QUANT(mv_q8_0, f16, __half)
MV3R_QUANT(mv_q4_0, f32, float)
MV3R_QUANT(mv_q4_0, f16, __half)
