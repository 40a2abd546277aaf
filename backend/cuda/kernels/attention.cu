// attention.cu: causal attention over the paged KV cache, one block of
// ATT_WARPS warps per (token, query head). The warps take the token's
// positions in turn, ATT_UNROLL at a time (their table entries, keys and
// values loaded before any is used, so that the loads are in flight
// together), each warp keeping an online softmax (running maximum, sum and
// weighted values) with lane l holding head elements l, l+32, …; the
// warps' partial results are merged at the end. EPL is elements per lane
// (head size ≤ 32·EPL).
//
// meta is the step's batch as staged by the Go side: pos[n], seq[n],
// slots[n], tstart[nseq+1], then the block tables; sequence s's table is
// tables[tstart[s] … tstart[s+1]).
//
// attention_<cache>_<EPL>_<conversion> also converts the output for the
// product that reads it next (the output projection), as the conversion
// kernel of that name would: values to ca, Q8_0 scales to cb (Q8_0 only
// for head sizes that are multiples of 32, so that a head's output is
// whole blocks, block e of it in element e of the lanes).
#include "convert.cuh"

#define ATT_WARPS 8
#define ATT_UNROLL 4 // 8 measured no faster in decode (H200)

__device__ __forceinline__ float kv_load(const float* p) { return *p; }
__device__ __forceinline__ float kv_load(const __half* p) { return __half2float(*p); }

// CONV_NONE: attention without a conversion of its output.
#define CONV_NONE -1

// With SPLIT, block (token, head, s) takes the s-th of gridDim.z runs of
// the token's positions and writes its part to part (attention_merge
// combines them): the running maximum, the sum of weights and the weighted
// values, not yet divided.
template <typename T, int EPL, int CONV, bool SPLIT = false>
__device__ __forceinline__ void attention(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq,
                                          int heads, int kvheads, int hd, int bs, float scale, void* ca, float* cb,
                                          float* part = nullptr) {
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
    int lo = 0, hi = p + 1; // the positions this block takes
    if constexpr (SPLIT) {
        int run = (p + gridDim.z) / gridDim.z;
        lo = min(p + 1, (int)blockIdx.z * run), hi = min(p + 1, lo + run);
    }
    for (int t0 = lo + warp; t0 < hi; t0 += ATT_WARPS * ATT_UNROLL) {
        float sc[ATT_UNROLL], vv[ATT_UNROLL][EPL];
#pragma unroll
        for (int u = 0; u < ATT_UNROLL; u++) {
            int t = t0 + u * ATT_WARPS;
            sc[u] = 0.0f;
#pragma unroll
            for (int e = 0; e < EPL; e++) vv[u][e] = 0.0f;
            if (t < hi) {
                long long row = (long long)table[t / bs] * bs + t % bs;
                const T* kr = kc + row * kvcols + (long long)kvh * hd;
                const T* vr = vc + row * kvcols + (long long)kvh * hd;
#pragma unroll
                for (int e = 0; e < EPL; e++) {
                    int idx = lane + 32 * e;
                    if (idx < hd) {
                        sc[u] += qv[e] * kv_load(kr + idx);
                        vv[u][e] = kv_load(vr + idx);
                    }
                }
            }
        }
        float mn = m;
#pragma unroll
        for (int u = 0; u < ATT_UNROLL; u++) {
            if (t0 + u * ATT_WARPS < hi) { // the same for every lane of the warp
                sc[u] = warp_sum(sc[u]) * scale;
                mn = fmaxf(mn, sc[u]);
            } else {
                sc[u] = NEG_INF;
            }
        }
        float corr = expf(m - mn);
        l *= corr;
#pragma unroll
        for (int e = 0; e < EPL; e++) acc[e] *= corr;
#pragma unroll
        for (int u = 0; u < ATT_UNROLL; u++) {
            float pe = expf(sc[u] - mn);
            l += pe;
#pragma unroll
            for (int e = 0; e < EPL; e++) acc[e] += pe * vv[u][e];
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
    long long o0 = (long long)i * heads * hd + (long long)h * hd;
    float* o = out + o0;
    if constexpr (SPLIT) {
        float* pr = part + (((long long)i * heads + h) * gridDim.z + blockIdx.z) * (hd + 2);
        if (lane == 0) pr[0] = M, pr[1] = L;
        for (int idx = lane; idx < hd; idx += 32) {
            float s = 0.0f;
            for (int w = 0; w < ATT_WARPS; w++) s += sm_acc[w][idx] * wt[w];
            pr[2 + idx] = s;
        }
    } else {
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int idx = lane + 32 * e;
            if (idx < hd) { // for CONV_Q8_0 (hd a multiple of 32) the same for every lane
                float s = 0.0f;
                for (int w = 0; w < ATT_WARPS; w++) s += sm_acc[w][idx] * wt[w];
                float r = s / L;
                o[idx] = r;
                if constexpr (CONV == CONV_F16) {
                    ((__half*)ca)[o0 + idx] = __float2half_rn(r);
                } else if constexpr (CONV == CONV_BF16) {
                    ((uint16_t*)ca)[o0 + idx] = bf16_round(r);
                } else if constexpr (CONV == CONV_Q8_0) { // as q8_0_block
                    float amax = warp_max(fabsf(r));
                    float d = amax / 127.0f;
                    float id = amax != 0.0f ? 127.0f / amax : 0.0f;
                    ((int8_t*)ca)[o0 + idx] = (int8_t)(int)rintf(r * id);
                    if (lane == 0) cb[o0 / 32 + e] = round_half(d);
                }
            }
        }
    }
}

// attention_grouped is attention for the G query heads that share one KV
// head (grouped-query attention), one block per (token, KV head): each
// position's key and value are loaded once for the G heads, which cuts the
// loads of a prefill, where every token reads every earlier position, by G.
template <typename T, int EPL, int G>
__device__ __forceinline__ void attention_grouped(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq,
                                                  int heads, int kvheads, int hd, int bs, float scale) {
    __shared__ float sm_m[ATT_WARPS][G], sm_l[ATT_WARPS][G];
    __shared__ float sm_acc[ATT_WARPS][G][EPL * 32];
    int i = blockIdx.x, kvh = blockIdx.y, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int* pos = meta;
    const int* seq = meta + n;
    const int* tstart = meta + 3 * n;
    const int* tables = meta + 3 * n + nseq + 1;
    int p = pos[i];
    const int* table = tables + tstart[seq[i]];
    long long kvcols = (long long)kvheads * hd;
    const float* qr = q + (long long)i * heads * hd + (long long)kvh * G * hd;
    float qv[G][EPL], acc[G][EPL], m[G], l[G];
#pragma unroll
    for (int g = 0; g < G; g++) {
        m[g] = NEG_INF, l[g] = 0.0f;
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int idx = lane + 32 * e;
            qv[g][e] = idx < hd ? qr[g * hd + idx] : 0.0f;
            acc[g][e] = 0.0f;
        }
    }
    for (int t0 = warp; t0 <= p; t0 += ATT_WARPS * ATT_UNROLL) {
        float kk[ATT_UNROLL][EPL], vv[ATT_UNROLL][EPL];
#pragma unroll
        for (int u = 0; u < ATT_UNROLL; u++) {
            int t = t0 + u * ATT_WARPS;
#pragma unroll
            for (int e = 0; e < EPL; e++) kk[u][e] = 0.0f, vv[u][e] = 0.0f;
            if (t <= p) {
                long long row = (long long)table[t / bs] * bs + t % bs;
                const T* kr = kc + row * kvcols + (long long)kvh * hd;
                const T* vr = vc + row * kvcols + (long long)kvh * hd;
#pragma unroll
                for (int e = 0; e < EPL; e++) {
                    int idx = lane + 32 * e;
                    if (idx < hd) kk[u][e] = kv_load(kr + idx), vv[u][e] = kv_load(vr + idx);
                }
            }
        }
#pragma unroll
        for (int g = 0; g < G; g++) {
            float sc[ATT_UNROLL], mn = m[g];
#pragma unroll
            for (int u = 0; u < ATT_UNROLL; u++) {
                if (t0 + u * ATT_WARPS <= p) { // the same for every lane of the warp
                    float s = 0.0f;
#pragma unroll
                    for (int e = 0; e < EPL; e++) s += qv[g][e] * kk[u][e];
                    sc[u] = warp_sum(s) * scale;
                    mn = fmaxf(mn, sc[u]);
                } else {
                    sc[u] = NEG_INF;
                }
            }
            float corr = expf(m[g] - mn);
            l[g] *= corr;
#pragma unroll
            for (int e = 0; e < EPL; e++) acc[g][e] *= corr;
#pragma unroll
            for (int u = 0; u < ATT_UNROLL; u++) {
                float pe = expf(sc[u] - mn);
                l[g] += pe;
#pragma unroll
                for (int e = 0; e < EPL; e++) acc[g][e] += pe * vv[u][e];
            }
            m[g] = mn;
        }
    }
#pragma unroll
    for (int g = 0; g < G; g++) {
        if (lane == 0) sm_m[warp][g] = m[g], sm_l[warp][g] = l[g];
#pragma unroll
        for (int e = 0; e < EPL; e++) sm_acc[warp][g][lane + 32 * e] = acc[g][e];
    }
    __syncthreads();
    if (warp >= G) return;
    int g = warp; // warp g finishes head kvh·G + g
    float M = sm_m[0][g];
    for (int w = 1; w < ATT_WARPS; w++) M = fmaxf(M, sm_m[w][g]);
    float wt[ATT_WARPS], L = 0.0f;
    for (int w = 0; w < ATT_WARPS; w++) {
        wt[w] = sm_m[w][g] == NEG_INF ? 0.0f : expf(sm_m[w][g] - M);
        L += sm_l[w][g] * wt[w];
    }
    float* o = out + (long long)i * heads * hd + ((long long)kvh * G + g) * hd;
#pragma unroll
    for (int e = 0; e < EPL; e++) {
        int idx = lane + 32 * e;
        if (idx < hd) {
            float s = 0.0f;
            for (int w = 0; w < ATT_WARPS; w++) s += sm_acc[w][g][idx] * wt[w];
            o[idx] = s / L;
        }
    }
}

#define ATTENTION_GROUPED(NAME, T, EPL, G)                                                                            \
    extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32)                                                      \
        NAME(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq, int heads,       \
             int kvheads, int hd, int bs, float scale) { pdl_begin();                                                 \
        attention_grouped<T, EPL, G>(out, q, kc, vc, meta, n, nseq, heads, kvheads, hd, bs, scale);                 \
    }

// grouped kernels: G·EPL ≤ 16 (registers and shared memory)
ATTENTION_GROUPED(attention_f32_1_g2, float, 1, 2)
ATTENTION_GROUPED(attention_f32_2_g2, float, 2, 2)
ATTENTION_GROUPED(attention_f32_4_g2, float, 4, 2)
ATTENTION_GROUPED(attention_f32_8_g2, float, 8, 2)
ATTENTION_GROUPED(attention_f32_1_g4, float, 1, 4)
ATTENTION_GROUPED(attention_f32_2_g4, float, 2, 4)
ATTENTION_GROUPED(attention_f32_4_g4, float, 4, 4)
ATTENTION_GROUPED(attention_f32_1_g8, float, 1, 8)
ATTENTION_GROUPED(attention_f32_2_g8, float, 2, 8)
ATTENTION_GROUPED(attention_f16_1_g2, __half, 1, 2)
ATTENTION_GROUPED(attention_f16_2_g2, __half, 2, 2)
ATTENTION_GROUPED(attention_f16_4_g2, __half, 4, 2)
ATTENTION_GROUPED(attention_f16_8_g2, __half, 8, 2)
ATTENTION_GROUPED(attention_f16_1_g4, __half, 1, 4)
ATTENTION_GROUPED(attention_f16_2_g4, __half, 2, 4)
ATTENTION_GROUPED(attention_f16_4_g4, __half, 4, 4)
ATTENTION_GROUPED(attention_f16_1_g8, __half, 1, 8)
ATTENTION_GROUPED(attention_f16_2_g8, __half, 2, 8)

#define ATTENTION_KERNEL(NAME, T, EPL)                                                                               \
    extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32)                                                      \
        NAME(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq, int heads,       \
             int kvheads, int hd, int bs, float scale) { pdl_begin();                                                 \
        attention<T, EPL, CONV_NONE>(out, q, kc, vc, meta, n, nseq, heads, kvheads, hd, bs, scale, nullptr, nullptr); \
    }                                                                                                                 \
    extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32)                                                      \
        NAME##_split(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq, int heads, \
                     int kvheads, int hd, int bs, float scale, float* part) { pdl_begin();                            \
        attention<T, EPL, CONV_NONE, true>(out, q, kc, vc, meta, n, nseq, heads, kvheads, hd, bs, scale, nullptr,     \
                                           nullptr, part);                                                            \
    }                                                                                                                 \
    ATTENTION_CONV(NAME##_to_f16, T, EPL, CONV_F16)                                                                   \
    ATTENTION_CONV(NAME##_to_bf16, T, EPL, CONV_BF16)                                                                 \
    ATTENTION_CONV(NAME##_quantize_q8_0, T, EPL, CONV_Q8_0)

#define ATTENTION_CONV(NAME, T, EPL, CONV)                                                                           \
    extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32)                                                      \
        NAME(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq, int heads,       \
             int kvheads, int hd, int bs, float scale, void* ca, float* cb) { pdl_begin();                            \
        attention<T, EPL, CONV>(out, q, kc, vc, meta, n, nseq, heads, kvheads, hd, bs, scale, ca, cb);              \
    }

ATTENTION_KERNEL(attention_f32_1, float, 1)
ATTENTION_KERNEL(attention_f32_2, float, 2)
ATTENTION_KERNEL(attention_f32_4, float, 4)
ATTENTION_KERNEL(attention_f32_8, float, 8)
ATTENTION_KERNEL(attention_f16_1, __half, 1)
ATTENTION_KERNEL(attention_f16_2, __half, 2)
ATTENTION_KERNEL(attention_f16_4, __half, 4)
ATTENTION_KERNEL(attention_f16_8, __half, 8)

// attention_merge combines the parts of attention_*_split, block (token,
// head) and a thread per head element: with M the parts' largest maximum,
// each part's sums count e^(m-M) times, as the warps of one block combine.
extern "C" __global__ void attention_merge(float* out, const float* part, int heads, int hd, int splits) {
    pdl_begin();
    int i = blockIdx.x, h = blockIdx.y;
    const float* p0 = part + ((long long)i * heads + h) * splits * (hd + 2);
    float M = NEG_INF, L = 0.0f;
    for (int s = 0; s < splits; s++) M = fmaxf(M, p0[s * (hd + 2)]);
    for (int s = 0; s < splits; s++) {
        float m = p0[s * (hd + 2)];
        L += m == NEG_INF ? 0.0f : p0[s * (hd + 2) + 1] * expf(m - M);
    }
    float* o = out + (long long)i * heads * hd + (long long)h * hd;
    for (int idx = threadIdx.x; idx < hd; idx += blockDim.x) {
        float acc = 0.0f;
        for (int s = 0; s < splits; s++) {
            float m = p0[s * (hd + 2)];
            if (m != NEG_INF) acc += p0[s * (hd + 2) + 2 + idx] * expf(m - M);
        }
        o[idx] = acc / L;
    }
}

// ---- Prompts: attention_tile_<cache>_h<HD>_g<G>, one block per AT_ROWS
// query rows (AT_ROWS/G consecutive tokens of one sequence × the G query
// heads of one KV head) that share every key and value they read. The
// block copies the rows' queries and, AT_KT positions at a time, their KV
// head's keys and values into shared memory; 128 threads as 16 row groups ×
// 8 column groups then make the tile's scores (a thread: AT_ROWS/16 rows ×
// AT_KT/8 positions, 4 elements of a head a read), an online softmax per
// row (the 8 threads of a row group combine by shuffles), and the weighted
// values (a thread: the same rows × HD/8 elements, 4 a read). The attention_* kernels above read each key from
// L2 once per query row. HD is the head size exactly; the Go side sends
// only steps whose every tile is one sequence's. ----

#define AT_THREADS 128
#define AT_KT 32 // positions per tile

// at_vec is 16 bytes of a cache row: 4 F32 or 8 F16 values.
template <typename T> struct at_vec;
template <> struct at_vec<float> {
    static constexpr int W = 4;
    float4 v;
    __device__ __forceinline__ void load(const float* p) { v = *(const float4*)p; }
    __device__ __forceinline__ float get(int j) const { return j == 0 ? v.x : j == 1 ? v.y : j == 2 ? v.z : v.w; }
};
template <> struct at_vec<__half> {
    static constexpr int W = 8;
    uint4 v;
    __device__ __forceinline__ void load(const __half* p) { v = *(const uint4*)p; }
    __device__ __forceinline__ float get(int j) const {
        uint32_t w = j < 2 ? v.x : j < 4 ? v.y : j < 6 ? v.z : v.w;
        return __half2float(__ushort_as_half((unsigned short)(j & 1 ? w >> 16 : w & 0xFFFF)));
    }
};

// at_store4 stores elements j…j+3 of a (zeros where !in) at p, 16-byte
// aligned: one shared-memory store where four scalar ones would each take
// their turn at the same banks.
template <typename T>
__device__ __forceinline__ void at_store4(float* p, const at_vec<T>& a, int j, bool in) {
    *(float4*)p = in ? make_float4(a.get(j), a.get(j + 1), a.get(j + 2), a.get(j + 3)) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
}

// at_load_tiles copies the keys and values of positions k0…k0+AT_KT-1 of
// KV head kvh into sk and sv (zeros past pmax): 16-byte loads, all of a
// thread's issued before any is stored (rows are 16-byte aligned: the host
// checks).
template <typename T, int HD, int LK>
__device__ __forceinline__ void at_load_tiles(float (&sk)[AT_KT][LK], float (&sv)[AT_KT][HD], const T* kc, const T* vc, const int* table,
                                              int k0, int pmax, int bs, long long kvcols, int kvh, int tid) {
    constexpr int W = at_vec<T>::W, PER = AT_KT * HD / W / AT_THREADS;
    at_vec<T> kv[PER], vv[PER];
#pragma unroll
    for (int u = 0; u < PER; u++) {
        int e = (tid + AT_THREADS * u) * W, kk = e / HD, d = e % HD, t = k0 + kk;
        if (t <= pmax) {
            long long off = ((long long)table[t / bs] * bs + t % bs) * kvcols + (long long)kvh * HD + d;
            kv[u].load(kc + off);
            vv[u].load(vc + off);
        }
    }
#pragma unroll
    for (int u = 0; u < PER; u++) {
        int e = (tid + AT_THREADS * u) * W, kk = e / HD, d = e % HD;
        bool in = k0 + kk <= pmax;
#pragma unroll
        for (int j = 0; j < W; j += 4) {
            at_store4(&sk[kk][d + j], kv[u], j, in);
            at_store4(&sv[kk][d + j], vv[u], j, in);
        }
    }
}

// With SPLIT, block (tile, kvh, s) takes the s-th of gridDim.z runs of its
// tokens' positions (whole tiles of AT_KT) and writes each row's part as
// attention's SPLIT does, for attention_merge: a prompt of few tokens at a
// long context is otherwise too few blocks for the GPU.
template <typename T, int HD, int G, bool SPLIT = false>
__device__ __forceinline__ void attention_tile(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq,
                                               int heads, int kvheads, int bs, float scale, float* part = nullptr) {
    constexpr int R = HD == 64 ? 32 : 16; // query rows a block
    constexpr int QT = R / G;            // tokens a block
    constexpr int RS = R / 16, CS = AT_KT / 8, DS = HD / 8;
    // rows of queries and keys 4 floats longer than a head: the 16-byte
    // reads of 8 threads from 8 rows then fall in 32 distinct banks
    __shared__ __align__(16) float sq[R][HD + 4], sk[AT_KT][HD + 4], sv[AT_KT][HD];
    __shared__ float sp[R][AT_KT + 1];
    __shared__ int spos[R];
    const int* pos = meta;
    const int* seq = meta + n;
    const int* tstart = meta + 3 * n;
    const int* tables = meta + 3 * n + nseq + 1;
    // the last tokens' blocks, which read the most positions, first
    int i0 = (gridDim.x - 1 - blockIdx.x) * QT, kvh = blockIdx.y, tid = threadIdx.x;
    int tr = tid >> 3, tc = tid & 7;
    long long kvcols = (long long)kvheads * HD;
    const int* table = tables + tstart[seq[i0]];
    // the rows' queries and positions (-1: past the step's tokens)
    for (int e = tid; e < R * HD; e += AT_THREADS) {
        int r = e / HD, d = e % HD, i = i0 + r / G;
        sq[r][d] = i < n ? q[(long long)i * heads * HD + (long long)(kvh * G + r % G) * HD + d] : 0.0f;
    }
    int pmax = -1;
    for (int t = 0; t < QT; t++)
        if (i0 + t < n) pmax = max(pmax, pos[i0 + t]);
    if (tid < R) spos[tid] = i0 + tid / G < n ? pos[i0 + tid / G] : -1;
    float m[RS], l[RS], o[RS][DS];
#pragma unroll
    for (int a = 0; a < RS; a++) {
        m[a] = NEG_INF, l[a] = 0.0f;
#pragma unroll
        for (int b = 0; b < DS; b++) o[a][b] = 0.0f;
    }
    int lo = 0, plim = pmax; // the positions this block takes: lo…plim
    if constexpr (SPLIT) {
        int run = ((pmax + gridDim.z) / gridDim.z + AT_KT - 1) / AT_KT * AT_KT;
        lo = blockIdx.z * run, plim = min(pmax, lo + run - 1);
    }
    for (int k0 = lo; k0 <= plim; k0 += AT_KT) {
        __syncthreads(); // the last tile's keys, values and weights are used
        at_load_tiles<T, HD>(sk, sv, kc, vc, table, k0, plim, bs, kvcols, kvh, tid);
        __syncthreads();
        float s[RS][CS];
#pragma unroll
        for (int a = 0; a < RS; a++)
#pragma unroll
            for (int b = 0; b < CS; b++) s[a][b] = 0.0f;
#pragma unroll 4
        for (int d = 0; d < HD; d += 4) {
            float4 qa[RS], kb[CS];
#pragma unroll
            for (int a = 0; a < RS; a++) qa[a] = *(const float4*)&sq[tr + 16 * a][d];
#pragma unroll
            for (int b = 0; b < CS; b++) kb[b] = *(const float4*)&sk[tc + 8 * b][d];
#pragma unroll
            for (int a = 0; a < RS; a++)
#pragma unroll
                for (int b = 0; b < CS; b++)
                    s[a][b] += qa[a].x * kb[b].x + qa[a].y * kb[b].y + qa[a].z * kb[b].z + qa[a].w * kb[b].w;
        }
#pragma unroll
        for (int a = 0; a < RS; a++) {
            int p = min(spos[tr + 16 * a], plim);
            float mx = m[a];
#pragma unroll
            for (int b = 0; b < CS; b++) {
                s[a][b] = k0 + tc + 8 * b <= p ? s[a][b] * scale : NEG_INF;
                mx = fmaxf(mx, s[a][b]);
            }
#pragma unroll
            for (int off = 1; off < 8; off <<= 1) mx = fmaxf(mx, __shfl_xor_sync(FULL_MASK, mx, off));
            float corr = mx == NEG_INF ? 1.0f : expf(m[a] - mx), sum = 0.0f;
#pragma unroll
            for (int b = 0; b < CS; b++) {
                float pe = mx == NEG_INF ? 0.0f : expf(s[a][b] - mx);
                sp[tr + 16 * a][tc + 8 * b] = pe;
                sum += pe;
            }
#pragma unroll
            for (int off = 1; off < 8; off <<= 1) sum += __shfl_xor_sync(FULL_MASK, sum, off);
            l[a] = l[a] * corr + sum;
            m[a] = mx;
#pragma unroll
            for (int b = 0; b < DS; b++) o[a][b] *= corr;
        }
        __syncthreads(); // the weights are in sp
        int kn = min(AT_KT, plim - k0 + 1);
        // a thread's elements of the output: 4·tc + 32·c … +3, c < DS/4
        for (int kk = 0; kk < kn; kk++) {
            float4 va[DS / 4];
#pragma unroll
            for (int c = 0; c < DS / 4; c++) va[c] = *(const float4*)&sv[kk][4 * tc + 32 * c];
#pragma unroll
            for (int a = 0; a < RS; a++) {
                float pw = sp[tr + 16 * a][kk];
#pragma unroll
                for (int c = 0; c < DS / 4; c++) {
                    o[a][4 * c] += pw * va[c].x;
                    o[a][4 * c + 1] += pw * va[c].y;
                    o[a][4 * c + 2] += pw * va[c].z;
                    o[a][4 * c + 3] += pw * va[c].w;
                }
            }
        }
    }
#pragma unroll
    for (int a = 0; a < RS; a++) {
        int r = tr + 16 * a, i = i0 + r / G;
        if constexpr (SPLIT) {
            if (i >= n) continue;
            // m is NEG_INF where none of the run's positions is the row's
            float* pr = part + (((long long)i * heads + kvh * G + r % G) * gridDim.z + blockIdx.z) * (HD + 2);
            if (tc == 0) pr[0] = m[a], pr[1] = l[a];
#pragma unroll
            for (int b = 0; b < DS; b++) pr[2 + 4 * tc + 32 * (b / 4) + b % 4] = o[a][b];
            continue;
        }
        if (i >= n || l[a] == 0.0f) continue;
        float* orow = out + (long long)i * heads * HD + (long long)(kvh * G + r % G) * HD;
#pragma unroll
        for (int b = 0; b < DS; b++) orow[4 * tc + 32 * (b / 4) + b % 4] = o[a][b] / l[a];
    }
}

// at_begin starts a tiled kernel: it lets the next kernel launch, as
// pdl_begin does, but holds no griddepcontrol.wait, so the Go side launches
// it in stream order. Launched early, its blocks (30 KiB of shared memory
// each) sat waiting on the multiprocessors while the q·k·v product before
// the KV store still ran: a 64-token prompt at d2048 of synth-1.1b took
// 3.63-3.73 ms a step with an F16 cache and 3.17-3.28 with F32 (graphs
// off, H200), 3.03-3.11 and 3.05-3.14 launched in order (bench/cuda.md,
// session 26).
__device__ __forceinline__ void at_begin() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

#define ATTENTION_TILE(NAME, T, HD, G)                                                                                \
    extern "C" __global__ void __launch_bounds__(AT_THREADS)                                                          \
        NAME(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq, int heads,       \
             int kvheads, int hd, int bs, float scale) { at_begin();                                                  \
        attention_tile<T, HD, G>(out, q, kc, vc, meta, n, nseq, heads, kvheads, bs, scale);                          \
    }
#define ATTENTION_TILE_PAIR(NAME, T, HD, G)                                                                           \
    ATTENTION_TILE(NAME, T, HD, G)                                                                                    \
    extern "C" __global__ void __launch_bounds__(AT_THREADS)                                                          \
        NAME##_split(float* out, const float* q, const T* kc, const T* vc, const int* meta, int n, int nseq,          \
                     int heads, int kvheads, int hd, int bs, float scale, float* part) { at_begin();                  \
        attention_tile<T, HD, G, true>(out, q, kc, vc, meta, n, nseq, heads, kvheads, bs, scale, part);              \
    }
#define ATTENTION_TILES(T, NAME)                                                                                      \
    ATTENTION_TILE_PAIR(attention_tile_##NAME##_h64_g1, T, 64, 1)                                                     \
    ATTENTION_TILE_PAIR(attention_tile_##NAME##_h64_g2, T, 64, 2)                                                     \
    ATTENTION_TILE_PAIR(attention_tile_##NAME##_h64_g4, T, 64, 4)                                                     \
    ATTENTION_TILE_PAIR(attention_tile_##NAME##_h64_g8, T, 64, 8)                                                     \
    ATTENTION_TILE_PAIR(attention_tile_##NAME##_h128_g1, T, 128, 1)                                                   \
    ATTENTION_TILE_PAIR(attention_tile_##NAME##_h128_g2, T, 128, 2)                                                   \
    ATTENTION_TILE_PAIR(attention_tile_##NAME##_h128_g4, T, 128, 4)                                                   \
    ATTENTION_TILE_PAIR(attention_tile_##NAME##_h128_g8, T, 128, 8)

ATTENTION_TILES(float, f32)
ATTENTION_TILES(__half, f16)
