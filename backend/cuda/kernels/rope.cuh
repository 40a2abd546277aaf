// rope.cuh: RoPE as llama.cpp's rope_yarn, shared by the RoPE kernels
// (elementwise.cu) and the attention kernels that rotate as they go
// (attention.cu), so that both compute the same bits; and the KV cache's
// element conversions.
#pragma once
#include "common.cuh"

// rope_params are the angles' parameters, the same for every row and head.
struct rope_params {
    int hd, dims, neox;
    float thetaScale, freqScale, mscale, extFactor, lowDim, highDim, extMscale;
    const float* factors;
};

// rope_cs is the cosine and sine of pair i at position pos.
__device__ __forceinline__ void rope_cs(const rope_params& r, int i, int pos, float* c, float* s) {
    float theta = (float)pos;
    for (int j = 0; j < i; j++) theta *= r.thetaScale;
    float ff = r.factors ? r.factors[i] : 1.0f;
    float extrap = theta / ff;
    float t = r.freqScale * extrap;
    float ms = r.mscale;
    if (r.extFactor != 0.0f) {
        float y = ((float)i - r.lowDim) / fmaxf(0.001f, r.highDim - r.lowDim);
        float mix = (1.0f - fminf(1.0f, fmaxf(0.0f, y))) * r.extFactor;
        t = __fadd_rn(__fmul_rn(t, 1.0f - mix), __fmul_rn(extrap, mix));
        ms = r.extMscale;
    }
    *c = __fmul_rn((float)cos((double)t), ms);
    *s = __fmul_rn((float)sin((double)t), ms);
}

// rope_pair rotates pair i of the head at p in place; a and b are the
// pair's element indices.
__device__ __forceinline__ void rope_pair(const rope_params& r, float* p, int i, int pos, int* a, int* b) {
    float c, s;
    rope_cs(r, i, pos, &c, &s);
    *a = r.neox ? i : 2 * i, *b = r.neox ? i + r.dims / 2 : 2 * i + 1;
    float x0 = p[*a], x1 = p[*b];
    p[*a] = __fmaf_rn(x0, c, -__fmul_rn(x1, s));
    p[*b] = __fmaf_rn(x0, s, __fmul_rn(x1, c));
}

// kv_store writes a key or value to a cache of F32 or F16 elements.
__device__ __forceinline__ void kv_store(float* p, float v) { *p = v; }
__device__ __forceinline__ void kv_store(__half* p, float v) { *p = __float2half_rn(v); }

// kv_round is v as a cache of type T holds it.
template <typename T> __device__ __forceinline__ float kv_round(float v) { return v; }
template <> __device__ __forceinline__ float kv_round<__half>(float v) { return __half2float(__float2half_rn(v)); }
