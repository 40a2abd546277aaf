// elementwise.cu: embedding gather, RMSNorm (alone or after a residual
// add), add, SwiGLU, RoPE (alone or with the KV store), KV stores and the
// F16, BF16 and Q8_0 conversions of activations (convert.cuh), alone or
// after RMSNorm and SwiGLU. One block per row unless noted; rows are on grid
// x (no 65535 limit), heads or K/V on grid y.
#include "convert.cuh"
#include "rope.cuh"

// ---- embedding: dst row i = table row ids[i], dequantized ----

extern "C" __global__ void embed_f32(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    pdl_begin();
    const float* row = (const float*)(table + (long long)ids[blockIdx.x] * rs);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = row[c];
}

extern "C" __global__ void embed_f16(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    pdl_begin();
    const __half* row = (const __half*)(table + (long long)ids[blockIdx.x] * rs);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = __half2float(row[c]);
}

extern "C" __global__ void embed_bf16(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    pdl_begin();
    const uint16_t* row = (const uint16_t*)(table + (long long)ids[blockIdx.x] * rs);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = __uint_as_float((uint32_t)row[c] << 16);
}

// Q8_0 and Q4_0 rows are in the device layout (layout.go): quants, then F16 scales.
extern "C" __global__ void embed_q8_0(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    pdl_begin();
    const int8_t* qs = (const int8_t*)(table + (long long)ids[blockIdx.x] * rs);
    const __half* sc = (const __half*)(qs + cols);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = (float)qs[c] * __half2float(sc[c / 32]);
}

extern "C" __global__ void embed_q4_0(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    pdl_begin();
    const uint8_t* qs = table + (long long)ids[blockIdx.x] * rs;
    const __half* sc = (const __half*)(qs + cols / 2);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        int b = c / 32, j = c % 32;
        uint8_t v = qs[b * 16 + (j & 15)];
        int q = j < 16 ? (v & 15) : (v >> 4);
        o[c] = (float)(q - 8) * __half2float(sc[b]);
    }
}

// ---- RMSNorm: dst = x·w/√(mean(x²)+eps), squares summed in double as the
// CPU backend does; dst may be x. blockDim.x is RN_THREADS: thread t keeps
// elements t, t+RN_THREADS, … (RN_REG of them, with their weights) in
// registers between the two passes; longer rows read the rest again. With
// ADD, x += y first (the sum stored to x, as add_f32 would, and
// normalized); dst may then be y too, which is read before dst is written.
// With CONV (F16, BF16, Q8_0), dst is also converted for the product that
// reads it next, from the registers, as the conversion kernel of that name
// would (values to ca, Q8_0 scales to cb): element c of the registers is
// held by lane c%32 of a warp whose 32 elements are one Q8_0 block (cols a
// multiple of 32 for Q8_0). Slots of the registers past the row are
// skipped, not filled with zeros: their squares added nothing. ----

#define RN_THREADS 1024
#define RN_REG 8

// CONV_NONE: RMSNorm without a conversion (or one made after it: Q8_K).
#define CONV_NONE -1

template <bool ADD, int CONV>
__device__ __forceinline__ void rmsnorm_row(float* dst, float* x, const float* y, const float* w, int cols, float eps, void* ca,
                                            float* cb) {
    __shared__ double part[RN_THREADS / 32];
    long long r0 = (long long)blockIdx.x * cols;
    float* xr = x + r0;
    const float* yr = ADD ? y + r0 : nullptr;
    float* o = dst + r0;
    float v[RN_REG], wv[RN_REG], yv[RN_REG];
    // every load before the first store: a load issued after a store to x
    // would wait for the values that store needs, one memory latency per
    // slot instead of one for all of them
#pragma unroll
    for (int i = 0; i < RN_REG; i++) {
        if (i * RN_THREADS >= cols) break; // the same for every thread
        int c = threadIdx.x + i * RN_THREADS;
        v[i] = c < cols ? xr[c] : 0.0f;
        wv[i] = c < cols ? w[c] : 0.0f;
        if (ADD) yv[i] = c < cols ? yr[c] : 0.0f;
    }
    double s = 0;
#pragma unroll
    for (int i = 0; i < RN_REG; i++) {
        if (i * RN_THREADS >= cols) break;
        int c = threadIdx.x + i * RN_THREADS;
        if (ADD && c < cols) {
            v[i] = v[i] + yv[i];
            xr[c] = v[i];
        }
        s += (double)(v[i] * v[i]);
    }
    for (int c = threadIdx.x + RN_REG * RN_THREADS; c < cols; c += RN_THREADS) {
        float t = xr[c];
        if (ADD) {
            t = t + yr[c];
            xr[c] = t;
        }
        s += (double)(t * t);
    }
    s = warp_sum_d(s);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    if (lane == 0) part[warp] = s;
    __syncthreads();
    // one thread finishes the sum and the scale; the others wait at the
    // barrier instead of repeating it (32 warps of it held the SM's issue
    // slots)
    __shared__ float sm_scale;
    if (threadIdx.x == 0) {
        double total = 0;
        for (int i = 0; i < RN_THREADS / 32; i++) total += part[i];
        float mean = (float)(total / cols);
        sm_scale = 1.0f / (float)sqrt((double)(mean + eps));
    }
    __syncthreads();
    float scale = sm_scale;
    float r[RN_REG];
#pragma unroll
    for (int i = 0; i < RN_REG; i++) {
        if (i * RN_THREADS >= cols) break;
        int c = threadIdx.x + i * RN_THREADS;
        r[i] = v[i] * scale * wv[i];
        if (c < cols) {
            o[c] = r[i];
            if constexpr (CONV == CONV_F16) ((__half*)ca)[r0 + c] = __float2half_rn(r[i]);
            if constexpr (CONV == CONV_BF16) ((uint16_t*)ca)[r0 + c] = bf16_round(r[i]);
        }
    }
    if constexpr (CONV == CONV_Q8_0) {
        // the blocks' maxima as q8_0_block's warp_max, the slots' shuffles
        // interleaved (a maximum is the same in any order)
        float am[RN_REG];
#pragma unroll
        for (int i = 0; i < RN_REG; i++)
            if (i * RN_THREADS < cols) am[i] = fabsf(r[i]);
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) {
#pragma unroll
            for (int i = 0; i < RN_REG; i++)
                if (i * RN_THREADS < cols) am[i] = fmaxf(am[i], __shfl_xor_sync(FULL_MASK, am[i], off));
        }
#pragma unroll
        for (int i = 0; i < RN_REG; i++) {
            int c = threadIdx.x + i * RN_THREADS;
            if (i * RN_THREADS < cols && i * RN_THREADS + warp * 32 < cols) { // the warp's block is in the row: the same for every lane
                float d = am[i] / 127.0f;
                float id = am[i] != 0.0f ? 127.0f / am[i] : 0.0f;
                ((int8_t*)ca)[r0 + c] = (int8_t)(int)rintf(r[i] * id);
                if (lane == 0) cb[(r0 + c) / 32] = round_half(d);
            }
        }
    }
    for (int c = threadIdx.x + RN_REG * RN_THREADS; c < cols; c += RN_THREADS) o[c] = xr[c] * scale * w[c];
    if constexpr (CONV != CONV_NONE) {
        if (cols > RN_REG * RN_THREADS) { // the rest of a long row, from dst
            __syncthreads();
            convert_span<CONV>(ca, cb, dst, r0 + RN_REG * RN_THREADS, cols - RN_REG * RN_THREADS);
        }
    }
}

extern "C" __global__ void __launch_bounds__(RN_THREADS, 1) rmsnorm_f32(float* dst, const float* x, const float* w, int cols, float eps) {
    pdl_begin();
    rmsnorm_row<false, CONV_NONE>(dst, (float*)x, nullptr, w, cols, eps, nullptr, nullptr);
}

// rmsnorm_<conversion>: RMSNorm, then the row converted for the product
// that reads it next (values to ca, Q8 scales to cb), as the conversion
// kernel of that name would: from the registers (RMSNORM_CONV), or for
// Q8_K, whose 256-element blocks span warps, from dst once the row is
// written (RMSNORM_CONV_AFTER).
#define RMSNORM_CONV(NAME, CONV)                                                                                    \
    extern "C" __global__ void __launch_bounds__(RN_THREADS, 1)                                                        \
        NAME(float* dst, const float* x, const float* w, int cols, float eps, void* ca, float* cb) { pdl_begin();  \
        rmsnorm_row<false, CONV>(dst, (float*)x, nullptr, w, cols, eps, ca, cb);                                    \
    }
#define RMSNORM_CONV_AFTER(NAME, CONV)                                                                              \
    extern "C" __global__ void __launch_bounds__(RN_THREADS, 1)                                                        \
        NAME(float* dst, const float* x, const float* w, int cols, float eps, void* ca, float* cb) { pdl_begin();  \
        rmsnorm_row<false, CONV_NONE>(dst, (float*)x, nullptr, w, cols, eps, nullptr, nullptr);                     \
        __syncthreads();                                                                                            \
        convert_span<CONV>(ca, cb, dst, (long long)blockIdx.x * cols, cols);                                        \
    }

RMSNORM_CONV(rmsnorm_to_f16, CONV_F16)
RMSNORM_CONV(rmsnorm_to_bf16, CONV_BF16)
RMSNORM_CONV(rmsnorm_quantize_q8_0, CONV_Q8_0)
RMSNORM_CONV_AFTER(rmsnorm_quantize_q8_k, CONV_Q8_K)

// add_rmsnorm_f32: x += y, then dst = RMSNorm(x)·w (a residual added and
// the next norm taken in one kernel); add_rmsnorm_<conversion> also
// converts dst as rmsnorm_<conversion> does.
extern "C" __global__ void __launch_bounds__(RN_THREADS, 1)
    add_rmsnorm_f32(float* x, const float* y, float* dst, const float* w, int cols, float eps) {
    pdl_begin();
    rmsnorm_row<true, CONV_NONE>(dst, x, y, w, cols, eps, nullptr, nullptr);
}

#define ADD_RMSNORM_CONV(NAME, CONV)                                                                                \
    extern "C" __global__ void __launch_bounds__(RN_THREADS, 1)                                                        \
        NAME(float* x, const float* y, float* dst, const float* w, int cols, float eps, void* ca, float* cb) { pdl_begin();     \
        rmsnorm_row<true, CONV>(dst, x, y, w, cols, eps, ca, cb);                                                   \
    }
#define ADD_RMSNORM_CONV_AFTER(NAME, CONV)                                                                          \
    extern "C" __global__ void __launch_bounds__(RN_THREADS, 1)                                                        \
        NAME(float* x, const float* y, float* dst, const float* w, int cols, float eps, void* ca, float* cb) { pdl_begin();     \
        rmsnorm_row<true, CONV_NONE>(dst, x, y, w, cols, eps, nullptr, nullptr);                                    \
        __syncthreads();                                                                                            \
        convert_span<CONV>(ca, cb, dst, (long long)blockIdx.x * cols, cols);                                        \
    }

ADD_RMSNORM_CONV(add_rmsnorm_to_f16, CONV_F16)
ADD_RMSNORM_CONV(add_rmsnorm_to_bf16, CONV_BF16)
ADD_RMSNORM_CONV(add_rmsnorm_quantize_q8_0, CONV_Q8_0)
ADD_RMSNORM_CONV_AFTER(add_rmsnorm_quantize_q8_k, CONV_Q8_K)

// ---- add: dst = a + b, b of the same shape or one row (bcast) ----

extern "C" __global__ void add_f32(float* dst, const float* a, const float* b, long long total, int cols, int bcast) {
    pdl_begin();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        dst[i] = a[i] + b[bcast ? i % cols : i];
}

// ---- SwiGLU: dst = silu(g)·u, as the CPU backend (and ggml on AVX-512)
// computes it: in each row, the elements of whole vectors of 16 with
// ggml_v_expf (vec_expf), the rest with the correctly rounded expf, so
// that the two backends' SwiGLU outputs are the same bits for the same
// inputs (the down product quantizes them: an ulp apart can round to
// another integer). ----

// vec_expf is ggml_v_expf for one lane (backend/cpu's expVec): a
// polynomial in fused multiply-adds, each rounded once, scaled by 2^n as
// vscalefps does (one rounding, subnormals kept).
__device__ __forceinline__ float vec_expf(float x) {
    const float r = 0x1.8p23f;
    float z = __fmaf_rn(x, 0x1.715476p+0f, r);
    float n = __fsub_rn(z, r);
    float b = __fmaf_rn(-n, 0x1.7f7d1cp-20f, __fmaf_rn(-n, 0x1.62e4p-1f, x));
    float u = __fmul_rn(b, b);
    float j = __fmaf_rn(__fmaf_rn(__fmaf_rn(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, __fmaf_rn(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                        u, __fmaf_rn(0x1.ffffecp-1f, b, 1.0f));
    if (fabsf(n) > 192.0f) return n <= 0.0f ? 0.0f : __int_as_float(0x7f800000);
    return __double2float_rn(ldexp((double)j, (int)n));
}

// swiglu is silu(g)·u for the element in column c of a row of cols: with
// vec_expf below cols rounded down to 16, else the correctly rounded expf.
__device__ __forceinline__ float swiglu(float g, float u, int c, int cols) {
    float e = c < (cols & ~15) ? vec_expf(__fsub_rn(0.0f, g)) : __double2float_rn(exp(-(double)g));
    return __fmul_rn(__fdiv_rn(g, __fadd_rn(1.0f, e)), u);
}

extern "C" __global__ void swiglu_f32(float* dst, const float* g, const float* u, long long total, int cols) {
    pdl_begin();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        dst[i] = swiglu(g[i], u[i], (int)(i % cols), cols);
}

// swiglu_<conversion>: SwiGLU, then the result converted for the product
// that reads it next. Block (row, chunk) takes SW_CHUNK elements of a row
// (a multiple of every Q8 block size), one a thread (blockDim.x is
// SW_CHUNK): F16, BF16 and Q8_0 (a warp's 32 elements are one block) are
// converted from registers, Q8_K (a block spans the warps) from dst once
// the chunk is written.
#define SW_CHUNK 256

template <int CONV>
__device__ __forceinline__ void swiglu_conv(float* dst, const float* g, const float* u, int cols, void* ca, float* cb) {
    long long e0 = (long long)blockIdx.x * cols + (long long)blockIdx.y * SW_CHUNK;
    int len = min(SW_CHUNK, cols - (int)blockIdx.y * SW_CHUNK);
    int i = threadIdx.x;
    float r = i < len ? swiglu(g[e0 + i], u[e0 + i], (int)blockIdx.y * SW_CHUNK + i, cols) : 0.0f;
    if (i < len) {
        dst[e0 + i] = r;
        if constexpr (CONV == CONV_F16) ((__half*)ca)[e0 + i] = __float2half_rn(r);
        if constexpr (CONV == CONV_BF16) ((uint16_t*)ca)[e0 + i] = bf16_round(r);
    }
    if constexpr (CONV == CONV_Q8_0) {
        if ((i & ~31) < len) { // the warp's block is in the row: the same for every lane
            float amax = warp_max(fabsf(r)); // as q8_0_block
            float d = amax / 127.0f;
            float id = amax != 0.0f ? 127.0f / amax : 0.0f;
            ((int8_t*)ca)[e0 + i] = (int8_t)(int)rintf(r * id);
            if ((i & 31) == 0) cb[(e0 + i) / 32] = round_half(d);
        }
    }
    if constexpr (CONV == CONV_Q8_K) {
        __syncthreads();
        convert_span<CONV>(ca, cb, dst, e0, len);
    }
}

#define SWIGLU_CONV(NAME, CONV)                                                                                     \
    extern "C" __global__ void __launch_bounds__(SW_CHUNK)                                                           \
        NAME(float* dst, const float* g, const float* u, int cols, void* ca, float* cb) { pdl_begin();             \
        swiglu_conv<CONV>(dst, g, u, cols, ca, cb);                                                                 \
    }

SWIGLU_CONV(swiglu_to_f16, CONV_F16)
SWIGLU_CONV(swiglu_to_bf16, CONV_BF16)
SWIGLU_CONV(swiglu_quantize_q8_0, CONV_Q8_0)
SWIGLU_CONV(swiglu_quantize_q8_k, CONV_Q8_K)

// ---- RoPE as llama.cpp's rope_yarn (rope.cuh): block (row, head), thread
// i rotates pair i of the first dims elements. ----

extern "C" __global__ void rope_f32(float* x, const int* pos, int cols, int hd, int dims, int neox,
                                    float thetaScale, float freqScale, float mscale, float extFactor,
                                    float lowDim, float highDim, float extMscale, const float* factors) {
    pdl_begin();
    int i = threadIdx.x;
    if (i >= dims / 2) return;
    rope_params r = {hd, dims, neox, thetaScale, freqScale, mscale, extFactor, lowDim, highDim, extMscale, factors};
    int a, b;
    rope_pair(r, x + (long long)blockIdx.x * cols + (long long)blockIdx.y * hd, i, pos[blockIdx.x], &a, &b);
}

// ---- RoPE of q and k with the KV store, as rope_f32 on q, rope_f32 on k
// and store_kv: block (row, y) with y < heads rotating query head y, then
// kvheads blocks each rotating key head y-heads in place and storing it to
// cache row slots[row], then kvheads blocks each storing a value head.
// blockDim.x ≥ dims/2. ----

template <typename T>
__device__ __forceinline__ void rope_store(float* q, float* k, const float* v, T* kc, T* vc, const int* pos, const int* slots,
                                           int heads, int kvheads, const rope_params& r) {
    int row = blockIdx.x, y = blockIdx.y, hd = r.hd, i = threadIdx.x;
    long long kvcols = (long long)kvheads * hd;
    if (y < heads) {
        int a, b;
        if (i < r.dims / 2) rope_pair(r, q + (long long)row * heads * hd + (long long)y * hd, i, pos[row], &a, &b);
        return;
    }
    y -= heads;
    long long slot = slots[row];
    if (y < kvheads) {
        float* p = k + row * kvcols + (long long)y * hd;
        T* dst = kc + slot * kvcols + (long long)y * hd;
        if (i < r.dims / 2) {
            int a, b;
            rope_pair(r, p, i, pos[row], &a, &b);
            kv_store(dst + a, p[a]);
            kv_store(dst + b, p[b]);
        }
        for (int c = r.dims + i; c < hd; c += blockDim.x) kv_store(dst + c, p[c]);
        return;
    }
    y -= kvheads;
    const float* p = v + row * kvcols + (long long)y * hd;
    T* dst = vc + slot * kvcols + (long long)y * hd;
    for (int c = i; c < hd; c += blockDim.x) kv_store(dst + c, p[c]);
}

// ROPE_STORE defines kernel NAME running FN (rope_store, rope_store_rows).
#define ROPE_STORE(NAME, FN, T)                                                                                      \
    extern "C" __global__ void NAME(float* q, float* k, const float* v, T* kc, T* vc, const int* pos, const int* slots, \
                                    int heads, int kvheads, int hd, int dims, int neox, float thetaScale,              \
                                    float freqScale, float mscale, float extFactor, float lowDim, float highDim,       \
                                    float extMscale, const float* factors) { pdl_begin();                              \
        rope_params r = {hd, dims, neox, thetaScale, freqScale, mscale, extFactor, lowDim, highDim, extMscale, factors}; \
        FN<T>(q, k, v, kc, vc, pos, slots, heads, kvheads, r);                                                         \
    }

ROPE_STORE(rope_store_f32, rope_store, float)
ROPE_STORE(rope_store_f16, rope_store, __half)

// rope_store_rows_<cache>: the same for the steps of many tokens, a block
// per token: the angles of its positions' pairs are made once (in double,
// the costly part) rather than once per head, then the block's threads
// rotate every head's pairs and store the keys and values. dims/2 ≤
// RSR_PAIRS.
#define RSR_PAIRS 128

template <typename T>
__device__ __forceinline__ void rope_store_rows(float* q, float* k, const float* v, T* kc, T* vc, const int* pos, const int* slots,
                                                int heads, int kvheads, const rope_params& r) {
    __shared__ float sc[RSR_PAIRS], ss[RSR_PAIRS];
    int row = blockIdx.x, hd = r.hd, np = r.dims / 2;
    long long kvcols = (long long)kvheads * hd, slot = slots[row];
    for (int i = threadIdx.x; i < np; i += blockDim.x) rope_cs(r, i, pos[row], &sc[i], &ss[i]);
    __syncthreads();
    float* qr = q + (long long)row * heads * hd;
    for (int e = threadIdx.x; e < heads * np; e += blockDim.x) {
        int h = e / np, i = e % np, a, b;
        rope_rotate(r, qr + (long long)h * hd, i, sc[i], ss[i], &a, &b);
    }
    float* kr = k + row * kvcols;
    T* kd = kc + slot * kvcols;
    for (int e = threadIdx.x; e < kvheads * np; e += blockDim.x) {
        int h = e / np, i = e % np, a, b;
        float* p = kr + (long long)h * hd;
        rope_rotate(r, p, i, sc[i], ss[i], &a, &b);
        kv_store(kd + (long long)h * hd + a, p[a]);
        kv_store(kd + (long long)h * hd + b, p[b]);
    }
    for (int e = threadIdx.x; e < kvheads * hd; e += blockDim.x) {
        if (e % hd >= r.dims) kv_store(kd + e, kr[e]); // past the rotated elements
        kv_store(vc + slot * kvcols + e, v[row * kvcols + e]);
    }
}

ROPE_STORE(rope_store_rows_f32, rope_store_rows, float)
ROPE_STORE(rope_store_rows_f16, rope_store_rows, __half)

// ---- KV store: row i of k (grid y 0) or v (grid y 1) to cache row slots[i] ----

extern "C" __global__ void store_kv_f32(float* kc, float* vc, const float* k, const float* v, const int* slots, int cols) {
    pdl_begin();
    const float* src = (blockIdx.y ? v : k) + (long long)blockIdx.x * cols;
    float* dst = (blockIdx.y ? vc : kc) + (long long)slots[blockIdx.x] * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dst[c] = src[c];
}

extern "C" __global__ void store_kv_f16(__half* kc, __half* vc, const float* k, const float* v, const int* slots, int cols) {
    pdl_begin();
    const float* src = (blockIdx.y ? v : k) + (long long)blockIdx.x * cols;
    __half* dst = (blockIdx.y ? vc : kc) + (long long)slots[blockIdx.x] * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dst[c] = __float2half_rn(src[c]);
}

// ---- activations to F16 (round to nearest even), for F16 weights ----

extern "C" __global__ void to_f16(__half* dst, const float* x, long long total) {
    pdl_begin();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        dst[i] = __float2half_rn(x[i]);
}

// ---- activations to BF16 as ggml_compute_fp32_to_bf16 ----

extern "C" __global__ void to_bf16(uint16_t* dst, const float* x, long long total) {
    pdl_begin();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        dst[i] = bf16_round(x[i]);
}

// ---- activations to Q8_0 (q8_0_block): one warp per 32-element block;
// quants to xq, scales to xd ----

extern "C" __global__ void quantize_q8_0(int8_t* xq, float* xd, const float* x, long long nblocks) {
    pdl_begin();
    long long b = (blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5;
    if (b >= nblocks) return;
    q8_0_block(xq, xd, x, b, threadIdx.x & 31);
}

// ---- spin: one thread waits ns nanoseconds of GPU time, holding the stream
// so that work queued behind it then runs back to back (timing) ----

extern "C" __global__ void spin(long long ns) {
    unsigned long long start, now;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
    do {
        __nanosleep(1000);
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
    } while (now - start < (unsigned long long)ns);
}
