// matvec.cu: dst (n×m) = x (n×k) · wᵀ for every weight format, one warp per
// weight row and MV_NT tokens per pass (grid y walks the token groups), so
// a decode step (n = 1) reads each weight once and a prefill reads it
// ⌈n/MV_NT⌉ times, mostly from L2. Lanes read consecutive 16-byte words of
// the row (coalesced); `aligned` says the rows allow 16-byte loads, else the
// same words are read in 2-byte pieces.
//
// Quantized weights take activations quantized to Q8_0 (quantize_q8_0) as
// quants xq (n×k int8) and scales xd (n×k/32 float), and sum each block in
// integers with dp4a, as ggml's CPU dot products do.
#include "common.cuh"

#define MV_WARPS 4 // rows per block of 128 threads
#define MV_NT 8    // tokens per pass

__device__ __forceinline__ void mv_store(float* dst, float (&acc)[MV_NT], int nt, int t0, int m, int j) {
#pragma unroll
    for (int t = 0; t < MV_NT; t++) {
        float s = warp_sum(acc[t]);
        if (t < nt && (threadIdx.x & 31) == 0) dst[(long long)(t0 + t) * m + j] = s;
    }
}

// F32 weights; aligned: rows of w and x start 16-byte aligned and k % 4 == 0.
extern "C" __global__ void __launch_bounds__(128) mv_f32(float* dst, const uint8_t* w, const float* x, int m, int k, int n,
                                                        long long rs, int aligned) {
    int lane = threadIdx.x & 31, j = blockIdx.x * MV_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * MV_NT, nt = min(MV_NT, n - t0);
    const float* wr = (const float*)(w + (long long)j * rs);
    const float* xb = x + (long long)t0 * k;
    float acc[MV_NT];
#pragma unroll
    for (int t = 0; t < MV_NT; t++) acc[t] = 0.0f;
    int k4 = aligned ? k / 4 : 0;
    for (int c = lane; c < k4; c += 32) {
        float4 wv = __ldg((const float4*)wr + c);
#pragma unroll
        for (int t = 0; t < MV_NT; t++) {
            if (t < nt) {
                float4 xv = *((const float4*)(xb + (long long)t * k) + c);
                acc[t] += wv.x * xv.x + wv.y * xv.y + wv.z * xv.z + wv.w * xv.w;
            }
        }
    }
    for (int e = 4 * k4 + lane; e < k; e += 32) {
        float wv = wr[e];
#pragma unroll
        for (int t = 0; t < MV_NT; t++)
            if (t < nt) acc[t] += wv * xb[(long long)t * k + e];
    }
    mv_store(dst, acc, nt, t0, m, j);
}

// F16 weights; activations are rounded to F16 first, as the CPU backend
// converts them. aligned: w and x rows 16-byte aligned and k % 8 == 0.
extern "C" __global__ void __launch_bounds__(128) mv_f16(float* dst, const uint8_t* w, const float* x, int m, int k, int n,
                                                        long long rs, int aligned) {
    int lane = threadIdx.x & 31, j = blockIdx.x * MV_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * MV_NT, nt = min(MV_NT, n - t0);
    const __half* wr = (const __half*)(w + (long long)j * rs);
    const float* xb = x + (long long)t0 * k;
    float acc[MV_NT];
#pragma unroll
    for (int t = 0; t < MV_NT; t++) acc[t] = 0.0f;
    int k8 = aligned ? k / 8 : 0;
    for (int c = lane; c < k8; c += 32) {
        int4 raw = __ldg((const int4*)wr + c);
        const __half2* h = (const __half2*)&raw;
        float2 w0 = __half22float2(h[0]), w1 = __half22float2(h[1]), w2 = __half22float2(h[2]), w3 = __half22float2(h[3]);
#pragma unroll
        for (int t = 0; t < MV_NT; t++) {
            if (t < nt) {
                const float4* xp = (const float4*)(xb + (long long)t * k) + 2 * c;
                float4 a = xp[0], b = xp[1];
                acc[t] += w0.x * round_half(a.x) + w0.y * round_half(a.y) + w1.x * round_half(a.z) + w1.y * round_half(a.w) +
                          w2.x * round_half(b.x) + w2.y * round_half(b.y) + w3.x * round_half(b.z) + w3.y * round_half(b.w);
            }
        }
    }
    for (int e = 8 * k8 + lane; e < k; e += 32) {
        float wv = __half2float(wr[e]);
#pragma unroll
        for (int t = 0; t < MV_NT; t++)
            if (t < nt) acc[t] += wv * round_half(xb[(long long)t * k + e]);
    }
    mv_store(dst, acc, nt, t0, m, j);
}

// dot16 is the integer dot product of 16 int8 pairs.
__device__ __forceinline__ int dot16(int4 a, int4 b, int s) {
    s = __dp4a(a.x, b.x, s);
    s = __dp4a(a.y, b.y, s);
    s = __dp4a(a.z, b.z, s);
    return __dp4a(a.w, b.w, s);
}

// Q8_0 weights in the device layout: row = k int8 quants, then k/32 F16
// scales. Each lane takes 16-byte words (half a block). aligned: the row's
// quants are 16-byte aligned (row bytes % 16 == 0).
extern "C" __global__ void __launch_bounds__(128) mv_q8_0(float* dst, const uint8_t* w, const int8_t* xq, const float* xd,
                                                         int m, int k, int n, long long rs, int aligned) {
    int lane = threadIdx.x & 31, j = blockIdx.x * MV_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * MV_NT, nt = min(MV_NT, n - t0);
    const uint8_t* qs = w + (long long)j * rs;
    const __half* sc = (const __half*)(qs + k);
    int nb = k / 32;
    float acc[MV_NT];
#pragma unroll
    for (int t = 0; t < MV_NT; t++) acc[t] = 0.0f;
    for (int c = lane; c < k / 16; c += 32) {
        int4 wv = load16(qs + 16 * c, aligned);
        float dw = __half2float(sc[c >> 1]);
#pragma unroll
        for (int t = 0; t < MV_NT; t++) {
            if (t < nt) {
                long long row = t0 + t;
                int4 xv = *(const int4*)(xq + row * k + 16 * c);
                acc[t] += (float)dot16(wv, xv, 0) * (dw * xd[row * nb + (c >> 1)]);
            }
        }
    }
    mv_store(dst, acc, nt, t0, m, j);
}

// Q4_0 weights in the device layout: row = k/2 bytes of nibbles (per block
// 16 bytes, element i in the low nibble of byte i, element i+16 in the
// high one), then k/32 F16 scales. Each lane takes one block (16 bytes).
extern "C" __global__ void __launch_bounds__(128) mv_q4_0(float* dst, const uint8_t* w, const int8_t* xq, const float* xd,
                                                         int m, int k, int n, long long rs, int aligned) {
    int lane = threadIdx.x & 31, j = blockIdx.x * MV_WARPS + (threadIdx.x >> 5);
    if (j >= m) return;
    int t0 = blockIdx.y * MV_NT, nt = min(MV_NT, n - t0);
    const uint8_t* qs = w + (long long)j * rs;
    const __half* sc = (const __half*)(qs + k / 2);
    int nb = k / 32;
    float acc[MV_NT];
#pragma unroll
    for (int t = 0; t < MV_NT; t++) acc[t] = 0.0f;
    for (int b = lane; b < nb; b += 32) {
        int4 wv = load16(qs + 16 * b, aligned);
        int4 lo = make_int4(wv.x & 0x0F0F0F0F, wv.y & 0x0F0F0F0F, wv.z & 0x0F0F0F0F, wv.w & 0x0F0F0F0F);
        int4 hi = make_int4((wv.x >> 4) & 0x0F0F0F0F, (wv.y >> 4) & 0x0F0F0F0F, (wv.z >> 4) & 0x0F0F0F0F, (wv.w >> 4) & 0x0F0F0F0F);
        float dw = __half2float(sc[b]);
#pragma unroll
        for (int t = 0; t < MV_NT; t++) {
            if (t < nt) {
                long long row = t0 + t;
                const int4* xp = (const int4*)(xq + row * k + 32 * b);
                int4 x0 = xp[0], x1 = xp[1];
                int s = dot16(hi, x1, dot16(lo, x0, 0));
                int sx = dot16(make_int4(0x01010101, 0x01010101, 0x01010101, 0x01010101), x0, 0);
                sx = dot16(make_int4(0x01010101, 0x01010101, 0x01010101, 0x01010101), x1, sx);
                acc[t] += (float)(s - 8 * sx) * (dw * xd[row * nb + b]);
            }
        }
    }
    mv_store(dst, acc, nt, t0, m, j);
}
