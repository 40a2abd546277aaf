// attention.cu: causal attention over the paged KV cache, one block of four
// warps per (token, query head). The warps take the token's positions in
// turn, each keeping an online softmax (running maximum, sum and weighted
// values) with lane l holding head elements l, l+32, …; the four partial
// results are merged at the end. EPL is elements per lane (head size ≤ 32·EPL).
//
// meta is the step's batch as staged by the Go side: pos[n], seq[n],
// slots[n], tstart[nseq+1], then the block tables; sequence s's table is
// tables[tstart[s] … tstart[s+1]).
#include "common.cuh"

#define ATT_WARPS 4

__device__ __forceinline__ float kv_load(const float* p) { return *p; }
__device__ __forceinline__ float kv_load(const __half* p) { return __half2float(*p); }

template <typename T, int EPL>
__device__ __forceinline__ void attention(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq,
                                          int heads, int kvheads, int hd, int bs, float scale) {
    __shared__ float sm_m[ATT_WARPS], sm_l[ATT_WARPS];
    __shared__ float sm_acc[ATT_WARPS][EPL * 32];
    int i = blockIdx.x, h = blockIdx.y, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int* pos = meta;
    const int* seq = meta + n;
    const int* tstart = meta + 3 * n;
    const int* tables = meta + 3 * n + nseq + 1;
    int p = pos[i];
    const int* table = tables + tstart[seq[i]];
    int kvh = h / (heads / kvheads);
    long long kvcols = (long long)kvheads * hd;
    const float* qr = q + (long long)i * heads * hd + (long long)h * hd;
    float qv[EPL], acc[EPL];
#pragma unroll
    for (int e = 0; e < EPL; e++) {
        int idx = lane + 32 * e;
        qv[e] = idx < hd ? qr[idx] : 0.0f;
        acc[e] = 0.0f;
    }
    float m = NEG_INF, l = 0.0f;
    for (int t = warp; t <= p; t += ATT_WARPS) {
        long long row = (long long)table[t / bs] * bs + t % bs;
        const T* kr = kc + row * kvcols + (long long)kvh * hd;
        const T* vr = vc + row * kvcols + (long long)kvh * hd;
        float sc = 0.0f;
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int idx = lane + 32 * e;
            if (idx < hd) sc += qv[e] * kv_load(kr + idx);
        }
        sc = warp_sum(sc) * scale;
        float mn = fmaxf(m, sc);
        float corr = expf(m - mn);
        float pe = expf(sc - mn);
        l = l * corr + pe;
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int idx = lane + 32 * e;
            if (idx < hd) acc[e] = acc[e] * corr + pe * kv_load(vr + idx);
        }
        m = mn;
    }
    if (lane == 0) {
        sm_m[warp] = m;
        sm_l[warp] = l;
    }
#pragma unroll
    for (int e = 0; e < EPL; e++) sm_acc[warp][lane + 32 * e] = acc[e];
    __syncthreads();
    if (warp != 0) return;
    float M = sm_m[0];
    for (int w = 1; w < ATT_WARPS; w++) M = fmaxf(M, sm_m[w]);
    float wt[ATT_WARPS], L = 0.0f;
    for (int w = 0; w < ATT_WARPS; w++) {
        wt[w] = sm_m[w] == NEG_INF ? 0.0f : expf(sm_m[w] - M);
        L += sm_l[w] * wt[w];
    }
    float* o = out + (long long)i * heads * hd + (long long)h * hd;
#pragma unroll
    for (int e = 0; e < EPL; e++) {
        int idx = lane + 32 * e;
        if (idx < hd) {
            float s = 0.0f;
            for (int w = 0; w < ATT_WARPS; w++) s += sm_acc[w][idx] * wt[w];
            o[idx] = s / L;
        }
    }
}

#define ATTENTION_KERNEL(NAME, T, EPL)                                                                               \
    extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32)                                                      \
        NAME(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq, int heads,       \
             int kvheads, int hd, int bs, float scale) {                                                              \
        attention<T, EPL>(out, q, kc, vc, meta, n, nseq, heads, kvheads, hd, bs, scale);                            \
    }

ATTENTION_KERNEL(attention_f32_1, float, 1)
ATTENTION_KERNEL(attention_f32_2, float, 2)
ATTENTION_KERNEL(attention_f32_4, float, 4)
ATTENTION_KERNEL(attention_f32_8, float, 8)
ATTENTION_KERNEL(attention_f16_1, __half, 1)
ATTENTION_KERNEL(attention_f16_2, __half, 2)
ATTENTION_KERNEL(attention_f16_4, __half, 4)
ATTENTION_KERNEL(attention_f16_8, __half, 8)
