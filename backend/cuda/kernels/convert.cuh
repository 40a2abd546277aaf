// convert.cuh: the conversions of F32 activations that the products take
// (F16, BF16, Q8_0, Q8_K), as device functions shared by the standalone
// kernels and by the kernels that convert what they write (RMSNorm and
// SwiGLU followed by a product: elementwise.cu).
#pragma once
#include "common.cuh"

// Conversions, as the Go side names them by kernel.
enum { CONV_F16, CONV_BF16, CONV_Q8_0, CONV_Q8_K };

// bf16_round is ggml_compute_fp32_to_bf16: round to nearest even, NaN kept quiet.
__device__ __forceinline__ uint16_t bf16_round(float x) {
    uint32_t u = __float_as_uint(x);
    return (u & 0x7fffffffu) > 0x7f800000u ? (uint16_t)((u >> 16) | 64) : (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// q8_0_block quantizes block b (x[32b…32b+31]) as ggml's x86 from_float
// does: d = amax/127 (kept as its F16 value), q = round-half-even(x·127/amax).
// One warp; quants to xq[32b…], the scale to xd[b].
__device__ __forceinline__ void q8_0_block(int8_t* xq, float* xd, const float* x, long long b, int lane) {
    float v = x[b * 32 + lane];
    float amax = warp_max(fabsf(v));
    float d = amax / 127.0f;
    float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    xq[b * 32 + lane] = (int8_t)(int)rintf(v * id);
    if (lane == 0) xd[b] = round_half(d);
}

// q8_k_block quantizes block b (256 values) as quantize_row_q8_K_ref: the
// element of largest magnitude (the first, on ties) maps to -127, d =
// 1/iscale with iscale = -127/max, q = min(127, round-half-even(iscale·x)).
// One warp; quants to xq[256b…], d to xd[b].
__device__ __forceinline__ void q8_k_block(int8_t* xq, float* xd, const float* x, long long b, int lane) {
    const float* xb = x + b * 256 + 8 * lane;
    float v[8], amax = 0.0f, vmax = 0.0f;
    int idx = 8 * lane;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        v[i] = xb[i];
        float ax = fabsf(v[i]);
        if (ax > amax) amax = ax, vmax = v[i], idx = 8 * lane + i;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float oa = __shfl_xor_sync(FULL_MASK, amax, o), ov = __shfl_xor_sync(FULL_MASK, vmax, o);
        int oi = __shfl_xor_sync(FULL_MASK, idx, o);
        if (oa > amax || (oa == amax && oi < idx)) amax = oa, vmax = ov, idx = oi;
    }
    int8_t* q = xq + b * 256 + 8 * lane;
    if (amax == 0.0f) {
#pragma unroll
        for (int i = 0; i < 8; i++) q[i] = 0;
        if (lane == 0) xd[b] = 0.0f;
        return;
    }
    float iscale = -127.0f / vmax;
#pragma unroll
    for (int i = 0; i < 8; i++) q[i] = (int8_t)min(127, __float2int_rn(__fmul_rn(iscale, v[i])));
    if (lane == 0) xd[b] = 1.0f / iscale;
}

// convert_span converts elements e0…e0+len-1 of x with every thread of the
// block (e0 and len multiples of the Q8 block size for those): values to
// a, Q8 scales to b. Callers synchronize the block before, so that x is
// written.
template <int CONV>
__device__ __forceinline__ void convert_span(void* a, float* b, const float* x, long long e0, int len) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, nw = blockDim.x >> 5;
    if constexpr (CONV == CONV_F16) {
        for (int i = threadIdx.x; i < len; i += blockDim.x) ((__half*)a)[e0 + i] = __float2half_rn(x[e0 + i]);
    } else if constexpr (CONV == CONV_BF16) {
        for (int i = threadIdx.x; i < len; i += blockDim.x) ((uint16_t*)a)[e0 + i] = bf16_round(x[e0 + i]);
    } else if constexpr (CONV == CONV_Q8_0) {
        for (int j = warp; j < len / 32; j += nw) q8_0_block((int8_t*)a, b, x, e0 / 32 + j, lane);
    } else {
        for (int j = warp; j < len / 256; j += nw) q8_k_block((int8_t*)a, b, x, e0 / 256 + j, lane);
    }
}
