// mma.cu: dst (n×m) = x (n×k) · wᵀ on the tensor cores, for many tokens
// (prefill, batched decode). mma.sync m16n8k16 with F16 inputs (BF16 for
// BF16 weights) and F32 accumulators: PTX of compute_80, which every newer
// GPU runs (wgmma would need sm_90a code, which the driver cannot JIT from
// our compute_80 PTX).
//
// A block of 256 threads (8 warps) computes a tile of MM_BM weight rows ×
// MM_BN tokens, walking k in steps of MM_BK. Tiles are numbered along the
// tokens first within groups of MM_GROUP row tiles, so that the blocks
// running at one time share their weight tiles (and their activation
// tiles) through L2 instead of each reading its own from memory. When the
// tiles alone are too few to fill the GPU, grid z splits k: block z sums
// k tiles z·ktiles… into its own n×m slice of part, and mm_reduce adds the
// slices in order. Each step, every thread loads
// 16 weights of one row and 8 activations of one token from global memory
// into registers (the next step's, while the tensor cores work on this
// step's tile in shared memory), then converts them to halves in shared
// memory: quantized weights are dequantized there (Q8_0, Q4_0 and Q6_K in
// the device layout of layout.go, Q4_K in GGUF's), F32 activations rounded
// to F16 (or BF16). Warps read the tiles with ldmatrix; warp w computes
// rows 32(w%4)… and tokens 32(w/4)… of the tile as 2×4 mma tiles.
//
// Rows past m and tokens past n read as zeros and are not stored; for the
// float formats k may be anything (elements past k read as zeros).
#include "mma.cuh"

#define MM_BM 128
#define MM_BN 64
#define MM_BK 32
#define MM_LD (MM_BK + 8) // halves per shared row: 80 bytes, so ldmatrix's 8 rows hit distinct banks
#define MM_THREADS 256

// wraw is what one thread loads of a weight row per step: 16 elements,
// raw (a, b: quants or halves) with their scales (d, dm, sc).
struct wraw {
    int4 a, b;
    float d, dm;
    int sel; // nibble or bit-pair selector
};

// w_fetch loads elements kofs…kofs+15 of weight row `row` (kofs a multiple
// of 16).
template <int FMT>
__device__ __forceinline__ wraw w_fetch(const uint8_t* w, long long rs, int row, int m, int k, int kofs, int aligned) {
    wraw r;
    r.a = make_int4(0, 0, 0, 0);
    r.b = r.a;
    r.d = 0.0f, r.dm = 0.0f, r.sel = 0;
    if (row >= m || kofs >= k) return r;
    const uint8_t* wr = w + (long long)row * rs;
    if constexpr (FMT == F_F16 || FMT == F_BF16) {
        const uint16_t* p = (const uint16_t*)wr + kofs;
        if (aligned && kofs + 16 <= k) {
            r.a = __ldg((const int4*)p);
            r.b = __ldg((const int4*)p + 1);
        } else {
            uint32_t v[8];
#pragma unroll
            for (int i = 0; i < 8; i++) {
                uint32_t lo = kofs + 2 * i < k ? p[2 * i] : 0, hi = kofs + 2 * i + 1 < k ? p[2 * i + 1] : 0;
                v[i] = lo | (hi << 16);
            }
            r.a = make_int4(v[0], v[1], v[2], v[3]);
            r.b = make_int4(v[4], v[5], v[6], v[7]);
        }
    } else if constexpr (FMT == F_Q8_0) {
        r.a = load16(wr + kofs, aligned);
        r.d = __half2float(((const __half*)(wr + k))[kofs / 32]);
    } else if constexpr (FMT == F_Q4_0) {
        int b = kofs / 32;
        r.a = load16(wr + 16 * b, aligned);
        r.d = __half2float(((const __half*)(wr + k / 2))[b]);
        r.sel = (kofs / 16) & 1;
    } else if constexpr (FMT == F_Q4_K) {
        const uint8_t* blk = wr + 144 * (kofs / 256);
        int e = kofs % 256, g = e / 64, i = e % 64, j = 2 * g + i / 32;
        r.a = load16(blk + 16 + 32 * g + (i % 32), aligned);
        const uint8_t* s = blk + 4;
        int sc, mn;
        if (j < 4) {
            sc = s[j] & 63, mn = s[j + 4] & 63;
        } else {
            sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
            mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
        }
        float d = __half2float(*(const __half*)blk), dmin = __half2float(*(const __half*)(blk + 2));
        r.d = __fmul_rn(d, (float)sc);
        r.dm = __fmul_rn(dmin, (float)mn);
        r.sel = i / 32;
    } else { // F_Q6_K, region layout
        int nb = k / 256, b = kofs / 256, e = kofs % 256;
        int h = e / 128, l = e % 128, q = l / 32, l0 = l % 32;
        r.a = load16(wr + 128 * b + 64 * h + l0 + 32 * (q & 1), aligned);
        r.b = load16(wr + 128 * nb + 64 * b + 32 * h + l0, aligned);
        int sc = (int)(int8_t)wr[192 * nb + 16 * b + 8 * h + l0 / 16 + 2 * q];
        r.d = __fmul_rn(__half2float(*(const __half*)(wr + 208 * nb + 2 * b)), (float)sc);
        r.sel = q;
    }
    return r;
}

// w_store converts the fetched weights to halves and stores them at s (16
// halves, 32 bytes, 16-byte aligned).
template <int FMT>
__device__ __forceinline__ void w_store(uint16_t* s, const wraw& r) {
    if constexpr (FMT == F_F16 || FMT == F_BF16) {
        ((int4*)s)[0] = r.a;
        ((int4*)s)[1] = r.b;
    } else {
        uint32_t v[8];
#pragma unroll
        for (int i = 0; i < 8; i++) { // elements 2i, 2i+1: byte 2i%4 of word i/2
            uint32_t wd = (uint32_t)word_of(r.a, i / 2);
            int sh = 16 * (i & 1);
            uint32_t b0 = (wd >> sh) & 0xFF, b1 = (wd >> (sh + 8)) & 0xFF;
            float f0, f1;
            if constexpr (FMT == F_Q8_0) {
                f0 = (float)(int8_t)b0 * r.d, f1 = (float)(int8_t)b1 * r.d;
            } else if constexpr (FMT == F_Q4_0) {
                int s4 = 4 * r.sel;
                f0 = (float)((int)((b0 >> s4) & 15) - 8) * r.d, f1 = (float)((int)((b1 >> s4) & 15) - 8) * r.d;
            } else if constexpr (FMT == F_Q4_K) {
                int s4 = 4 * r.sel;
                f0 = __fmul_rn(r.d, (float)((b0 >> s4) & 15)) - r.dm, f1 = __fmul_rn(r.d, (float)((b1 >> s4) & 15)) - r.dm;
            } else { // Q6_K: low 4 bits from a, high 2 from b
                uint32_t hw = (uint32_t)word_of(r.b, i / 2);
                uint32_t h0 = (hw >> sh) & 0xFF, h1 = (hw >> (sh + 8)) & 0xFF;
                int sl = r.sel >= 2 ? 4 : 0, sq = 2 * r.sel;
                int q0 = (int)(((b0 >> sl) & 15) | (((h0 >> sq) & 3) << 4)) - 32;
                int q1 = (int)(((b1 >> sl) & 15) | (((h1 >> sq) & 3) << 4)) - 32;
                f0 = r.d * (float)q0, f1 = r.d * (float)q1;
            }
            v[i] = pack_f16(f0, f1);
        }
        ((int4*)s)[0] = make_int4(v[0], v[1], v[2], v[3]);
        ((int4*)s)[1] = make_int4(v[4], v[5], v[6], v[7]);
    }
}

// x_fetch loads activations kofs…kofs+7 of token row xr (zeros past k or
// for a token past n).
__device__ __forceinline__ void x_fetch(float4& a, float4& b, const float* xr, bool valid, int k, int kofs, int xal) {
    a = make_float4(0.f, 0.f, 0.f, 0.f);
    b = a;
    if (!valid || kofs >= k) return;
    if (xal && kofs + 8 <= k) {
        a = __ldg((const float4*)(xr + kofs));
        b = __ldg((const float4*)(xr + kofs) + 1);
        return;
    }
    float v[8];
#pragma unroll
    for (int i = 0; i < 8; i++) v[i] = kofs + i < k ? xr[kofs + i] : 0.0f;
    a = make_float4(v[0], v[1], v[2], v[3]);
    b = make_float4(v[4], v[5], v[6], v[7]);
}

template <bool BF>
__device__ __forceinline__ void x_store(uint16_t* s, float4 a, float4 b) {
    int4 v;
    if constexpr (BF) {
        v = make_int4(pack_bf16(a.x, a.y), pack_bf16(a.z, a.w), pack_bf16(b.x, b.y), pack_bf16(b.z, b.w));
    } else {
        v = make_int4(pack_f16(a.x, a.y), pack_f16(a.z, a.w), pack_f16(b.x, b.y), pack_f16(b.z, b.w));
    }
    *(int4*)s = v;
}

template <int FMT>
__device__ __forceinline__ void mm_main(float* dst, const uint8_t* w, const float* x, int m, int k, int n, long long rs, int aligned,
                                        int xal, int ktiles, float* part) {
    constexpr bool BF = FMT == F_BF16;
    __shared__ __align__(16) uint16_t Ws[2][MM_BM][MM_LD];
    __shared__ __align__(16) uint16_t Xs[2][MM_BN][MM_LD];
    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int wm = warp & 3, wn = warp >> 2;
    // tile order: groups of MM_GROUP row tiles, tokens first within a group
    int tm = (m + MM_BM - 1) / MM_BM, tn = (n + MM_BN - 1) / MM_BN;
    int b = blockIdx.x, g = b / (MM_GROUP * tn);
    int gsize = min(MM_GROUP, tm - g * MM_GROUP), local = b - g * MM_GROUP * tn;
    int m0 = (g * MM_GROUP + local % gsize) * MM_BM, n0 = (local / gsize) * MM_BN;
    if (gridDim.z > 1) dst = part + (long long)blockIdx.z * n * m;
    // loaders: weights row m0 + tid/2, k 16(tid%2)…; activations token n0 + tid/4, k 8(tid%4)…
    int lr = tid >> 1, lk = 16 * (tid & 1);
    int xt = tid >> 2, xk = 8 * (tid & 3);
    bool xvalid = n0 + xt < n;
    const float* xr = x + (long long)(xvalid ? n0 + xt : 0) * k;

    float acc[2][4][4];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int e = 0; e < 4; e++) acc[i][j][e] = 0.0f;

    int kt0 = blockIdx.z * ktiles, nk = min((k + MM_BK - 1) / MM_BK, kt0 + ktiles);
    wraw wv = w_fetch<FMT>(w, rs, m0 + lr, m, k, kt0 * MM_BK + lk, aligned);
    float4 xa, xb;
    x_fetch(xa, xb, xr, xvalid, k, kt0 * MM_BK + xk, xal);
    w_store<FMT>(&Ws[0][lr][lk], wv);
    x_store<BF>(&Xs[0][xt][xk], xa, xb);
    __syncthreads();

    for (int kt = kt0; kt < nk; kt++) {
        int buf = (kt - kt0) & 1;
        bool more = kt + 1 < nk;
        if (more) {
            int k1 = (kt + 1) * MM_BK;
            wv = w_fetch<FMT>(w, rs, m0 + lr, m, k, k1 + lk, aligned);
            x_fetch(xa, xb, xr, xvalid, k, k1 + xk, xal);
        }
#pragma unroll
        for (int kk = 0; kk < MM_BK; kk += 16) {
            uint32_t a[2][4], b[4][2];
#pragma unroll
            for (int mt = 0; mt < 2; mt++) ldsm_x4(a[mt], &Ws[buf][32 * wm + 16 * mt + (lane & 15)][kk + 8 * (lane >> 4)]);
#pragma unroll
            for (int np = 0; np < 2; np++) {
                uint32_t r[4];
                ldsm_x4(r, &Xs[buf][32 * wn + 16 * np + (lane & 7) + 8 * (lane >> 4)][kk + 8 * ((lane >> 3) & 1)]);
                b[2 * np][0] = r[0], b[2 * np][1] = r[1], b[2 * np + 1][0] = r[2], b[2 * np + 1][1] = r[3];
            }
#pragma unroll
            for (int mt = 0; mt < 2; mt++)
#pragma unroll
                for (int nt = 0; nt < 4; nt++) mma16816<BF>(acc[mt][nt], a[mt], b[nt][0], b[nt][1]);
        }
        if (more) {
            w_store<FMT>(&Ws[buf ^ 1][lr][lk], wv);
            x_store<BF>(&Xs[buf ^ 1][xt][xk], xa, xb);
        }
        __syncthreads();
    }

#pragma unroll
    for (int mt = 0; mt < 2; mt++) {
#pragma unroll
        for (int nt = 0; nt < 4; nt++) {
            mma_store(dst, acc[mt][nt], m0 + 32 * wm + 16 * mt + (lane >> 2), n0 + 32 * wn + 8 * nt + 2 * (lane & 3), m, n);
        }
    }
}

// Entry points: dst n×m F32, w m×k (row bytes rs), x n×k F32. aligned: the
// weight rows allow 16-byte loads (as for the matvec kernels); xal: x's
// rows start 16-byte aligned (x 16-byte aligned, k % 4 == 0). Grid x is
// the number of tiles, grid z the k splits of ktiles k tiles each (part:
// z·n·m floats, unused without splits).
#define MM_ENTRY(name, FMT)                                                                                           \
    extern "C" __global__ void __launch_bounds__(MM_THREADS, 2)                                                     \
        name(float* dst, const uint8_t* w, const float* x, int m, int k, int n, long long rs, int aligned, int xal,  \
             int ktiles, float* part) { pdl_begin();                                                                \
        mm_main<FMT>(dst, w, x, m, k, n, rs, aligned, xal, ktiles, part);                                           \
    }

MM_ENTRY(mm_f16, F_F16)
MM_ENTRY(mm_bf16, F_BF16)
MM_ENTRY(mm_q8_0, F_Q8_0)
MM_ENTRY(mm_q4_0, F_Q4_0)
MM_ENTRY(mm_q4_k, F_Q4_K)
MM_ENTRY(mm_q6_k, F_Q6_K)

// mm_reduce sums the k splits: dst[i] = Σ_z part[z·total + i], in order of z.
extern "C" __global__ void mm_reduce(float* dst, const float* part, long long total, int parts) {
    pdl_begin();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        float s = part[i];
        for (int z = 1; z < parts; z++) s += part[z * total + i];
        dst[i] = s;
    }
}
