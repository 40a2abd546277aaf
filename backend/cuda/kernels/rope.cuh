// rope.cuh: RoPE's angles and rotation as llama.cpp's rope_yarn, and the
// KV store, shared by elementwise.cu (rope_f32, rope_store_*) and the
// one-token q/k/v products that rotate and store as they finish (mv3.cuh's
// mv3_rope_store).
#pragma once
#include "common.cuh"

// rope_params are the angles' parameters, the same for every row and head.
struct rope_params {
    int hd, dims, neox;
    float thetaScale, freqScale, mscale, extFactor, lowDim, highDim, extMscale;
    const float* factors;
};

// rope_cs is the cosine and sine of pair i at position pos. θ_i =
// pos·thetaScale^i is formed by i successive float multiplications, as the
// CPU backend's cache loop does.
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

// rope_turn rotates the pair (*x0, *x1) by the angle of cosine c and sine s.
__device__ __forceinline__ void rope_turn(float* x0, float* x1, float c, float s) {
    float a = *x0, b = *x1;
    *x0 = __fmaf_rn(a, c, -__fmul_rn(b, s));
    *x1 = __fmaf_rn(a, s, __fmul_rn(b, c));
}

// rope_rotate rotates pair i of the head at p in place by the angle of
// cosine c and sine s; a and b are the pair's element indices.
__device__ __forceinline__ void rope_rotate(const rope_params& r, float* p, int i, float c, float s, int* a, int* b) {
    *a = r.neox ? i : 2 * i, *b = r.neox ? i + r.dims / 2 : 2 * i + 1;
    rope_turn(&p[*a], &p[*b], c, s);
}

// rope_pair rotates pair i of the head at p in place; a and b are the
// pair's element indices.
__device__ __forceinline__ void rope_pair(const rope_params& r, float* p, int i, int pos, int* a, int* b) {
    float c, s;
    rope_cs(r, i, pos, &c, &s);
    rope_rotate(r, p, i, c, s, a, b);
}

__device__ __forceinline__ void kv_store(float* p, float v) { *p = v; }
__device__ __forceinline__ void kv_store(__half* p, float v) { *p = __float2half_rn(v); }

