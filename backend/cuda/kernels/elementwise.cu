// elementwise.cu: embedding gather, RMSNorm, add, SwiGLU, RoPE, KV stores and
// the F16, BF16 and Q8_0 conversions of activations (convert.cuh), alone or
// after RMSNorm and SwiGLU. One block per row unless noted; rows are on grid
// x (no 65535 limit), heads or K/V on grid y.
#include "convert.cuh"

// ---- embedding: dst row i = table row ids[i], dequantized ----

extern "C" __global__ void embed_f32(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    const float* row = (const float*)(table + (long long)ids[blockIdx.x] * rs);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = row[c];
}

extern "C" __global__ void embed_f16(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    const __half* row = (const __half*)(table + (long long)ids[blockIdx.x] * rs);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = __half2float(row[c]);
}

extern "C" __global__ void embed_bf16(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    const uint16_t* row = (const uint16_t*)(table + (long long)ids[blockIdx.x] * rs);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = __uint_as_float((uint32_t)row[c] << 16);
}

// Q8_0 and Q4_0 rows are in the device layout (layout.go): quants, then F16 scales.
extern "C" __global__ void embed_q8_0(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
    const int8_t* qs = (const int8_t*)(table + (long long)ids[blockIdx.x] * rs);
    const __half* sc = (const __half*)(qs + cols);
    float* o = dst + (long long)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) o[c] = (float)qs[c] * __half2float(sc[c / 32]);
}

extern "C" __global__ void embed_q4_0(float* dst, const uint8_t* table, const int* ids, int cols, long long rs) {
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
// elements t, t+RN_THREADS, … (RN_REG of them) in registers between the
// two passes; longer rows read the rest again. ----

#define RN_THREADS 1024
#define RN_REG 8

__device__ __forceinline__ void rmsnorm_row(float* dst, const float* x, const float* w, int cols, float eps) {
    __shared__ double part[RN_THREADS / 32];
    const float* xr = x + (long long)blockIdx.x * cols;
    float* o = dst + (long long)blockIdx.x * cols;
    float v[RN_REG];
    double s = 0;
#pragma unroll
    for (int i = 0; i < RN_REG; i++) {
        int c = threadIdx.x + i * RN_THREADS;
        v[i] = c < cols ? xr[c] : 0.0f;
        s += (double)(v[i] * v[i]);
    }
    for (int c = threadIdx.x + RN_REG * RN_THREADS; c < cols; c += RN_THREADS) {
        float t = xr[c];
        s += (double)(t * t);
    }
    s = warp_sum_d(s);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    if (lane == 0) part[warp] = s;
    __syncthreads();
    double total = 0;
    for (int i = 0; i < RN_THREADS / 32; i++) total += part[i];
    float mean = (float)(total / cols);
    float scale = 1.0f / (float)sqrt((double)(mean + eps));
#pragma unroll
    for (int i = 0; i < RN_REG; i++) {
        int c = threadIdx.x + i * RN_THREADS;
        if (c < cols) o[c] = v[i] * scale * w[c];
    }
    for (int c = threadIdx.x + RN_REG * RN_THREADS; c < cols; c += RN_THREADS) o[c] = xr[c] * scale * w[c];
}

extern "C" __global__ void __launch_bounds__(RN_THREADS, 1) rmsnorm_f32(float* dst, const float* x, const float* w, int cols, float eps) {
    rmsnorm_row(dst, x, w, cols, eps);
}

// rmsnorm_<conversion>: RMSNorm, then the row converted for the product
// that reads it next (values to ca, Q8 scales to cb), as the conversion
// kernel of that name would.
#define RMSNORM_CONV(NAME, CONV)                                                                                    \
    extern "C" __global__ void __launch_bounds__(RN_THREADS, 1)                                                        \
        NAME(float* dst, const float* x, const float* w, int cols, float eps, void* ca, float* cb) {               \
        rmsnorm_row(dst, x, w, cols, eps);                                                                          \
        __syncthreads();                                                                                            \
        convert_span<CONV>(ca, cb, dst, (long long)blockIdx.x * cols, cols);                                        \
    }

RMSNORM_CONV(rmsnorm_to_f16, CONV_F16)
RMSNORM_CONV(rmsnorm_to_bf16, CONV_BF16)
RMSNORM_CONV(rmsnorm_quantize_q8_0, CONV_Q8_0)
RMSNORM_CONV(rmsnorm_quantize_q8_k, CONV_Q8_K)

// ---- add: dst = a + b, b of the same shape or one row (bcast) ----

extern "C" __global__ void add_f32(float* dst, const float* a, const float* b, long long total, int cols, int bcast) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        dst[i] = a[i] + b[bcast ? i % cols : i];
}

// ---- SwiGLU: dst = silu(g)·u ----

__device__ __forceinline__ float swiglu(float g, float u) { return g / (1.0f + expf(-g)) * u; }

extern "C" __global__ void swiglu_f32(float* dst, const float* g, const float* u, long long total) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        dst[i] = swiglu(g[i], u[i]);
}

// swiglu_<conversion>: SwiGLU, then the result converted for the product
// that reads it next. Block (row, chunk) takes SW_CHUNK elements of a row
// (a multiple of every Q8 block size).
#define SW_CHUNK 256
#define SWIGLU_CONV(NAME, CONV)                                                                                     \
    extern "C" __global__ void NAME(float* dst, const float* g, const float* u, int cols, void* ca, float* cb) {  \
        long long e0 = (long long)blockIdx.x * cols + (long long)blockIdx.y * SW_CHUNK;                            \
        int len = min(SW_CHUNK, cols - (int)blockIdx.y * SW_CHUNK);                                                 \
        for (int i = threadIdx.x; i < len; i += blockDim.x) dst[e0 + i] = swiglu(g[e0 + i], u[e0 + i]);            \
        __syncthreads();                                                                                            \
        convert_span<CONV>(ca, cb, dst, e0, len);                                                                   \
    }

SWIGLU_CONV(swiglu_to_f16, CONV_F16)
SWIGLU_CONV(swiglu_to_bf16, CONV_BF16)
SWIGLU_CONV(swiglu_quantize_q8_0, CONV_Q8_0)
SWIGLU_CONV(swiglu_quantize_q8_k, CONV_Q8_K)

// ---- RoPE as llama.cpp's rope_yarn: block (row, head), thread i rotates
// pair i of the first dims elements. θ_i = pos·thetaScale^i is formed by i
// successive float multiplications, as the CPU backend's cache loop does. ----

extern "C" __global__ void rope_f32(float* x, const int* pos, int cols, int hd, int dims, int neox,
                                    float thetaScale, float freqScale, float mscale, float extFactor,
                                    float lowDim, float highDim, float extMscale, const float* factors) {
    int i = threadIdx.x;
    if (i >= dims / 2) return;
    float theta = (float)pos[blockIdx.x];
    for (int j = 0; j < i; j++) theta *= thetaScale;
    float ff = factors ? factors[i] : 1.0f;
    float extrap = theta / ff;
    float t = freqScale * extrap;
    float ms = mscale;
    if (extFactor != 0.0f) {
        float y = ((float)i - lowDim) / fmaxf(0.001f, highDim - lowDim);
        float mix = (1.0f - fminf(1.0f, fmaxf(0.0f, y))) * extFactor;
        t = __fadd_rn(__fmul_rn(t, 1.0f - mix), __fmul_rn(extrap, mix));
        ms = extMscale;
    }
    float c = __fmul_rn((float)cos((double)t), ms);
    float s = __fmul_rn((float)sin((double)t), ms);
    float* p = x + (long long)blockIdx.x * cols + (long long)blockIdx.y * hd;
    int a = neox ? i : 2 * i, b = neox ? i + dims / 2 : 2 * i + 1;
    float x0 = p[a], x1 = p[b];
    p[a] = __fmaf_rn(x0, c, -__fmul_rn(x1, s));
    p[b] = __fmaf_rn(x0, s, __fmul_rn(x1, c));
}

// ---- KV store: row i of k (grid y 0) or v (grid y 1) to cache row slots[i] ----

extern "C" __global__ void store_kv_f32(float* kc, float* vc, const float* k, const float* v, const int* slots, int cols) {
    const float* src = (blockIdx.y ? v : k) + (long long)blockIdx.x * cols;
    float* dst = (blockIdx.y ? vc : kc) + (long long)slots[blockIdx.x] * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dst[c] = src[c];
}

extern "C" __global__ void store_kv_f16(__half* kc, __half* vc, const float* k, const float* v, const int* slots, int cols) {
    const float* src = (blockIdx.y ? v : k) + (long long)blockIdx.x * cols;
    __half* dst = (blockIdx.y ? vc : kc) + (long long)slots[blockIdx.x] * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dst[c] = __float2half_rn(src[c]);
}

// ---- activations to F16 (round to nearest even), for F16 weights ----

extern "C" __global__ void to_f16(__half* dst, const float* x, long long total) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        dst[i] = __float2half_rn(x[i]);
}

// ---- activations to BF16 as ggml_compute_fp32_to_bf16 ----

extern "C" __global__ void to_bf16(uint16_t* dst, const float* x, long long total) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        dst[i] = bf16_round(x[i]);
}

// ---- activations to Q8_0 (q8_0_block): one warp per 32-element block;
// quants to xq, scales to xd ----

extern "C" __global__ void quantize_q8_0(int8_t* xq, float* xd, const float* x, long long nblocks) {
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
