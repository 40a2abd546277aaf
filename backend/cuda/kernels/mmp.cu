// mmp.cu: the pipelined tensor-core products (mp_*): dst = x·wᵀ for many
// tokens, as mma.cu's mm_* compute it, for weights and activations laid
// out so that every tile row moves in whole 16-byte words (4-byte pieces
// for the *_w4 kernels). Activations arrive as F16 (BF16 for BF16
// weights), converted once per product by to_f16 (to_bf16). A block
// computes MP_BM = 128 weight rows × BN tokens (BN = 128, or 64 for few
// tokens); tiles are ordered and k split as for mm_*.
//
// Global → shared copies are cp.async (.cg: through L2 only), STAGES k
// steps deep, so that the copies of step kt+STAGES-1 run while the tensor
// cores work on step kt; one __syncthreads per step (two for the
// quantized formats). Each shared tile row holds MP_BK = 32 halves (four
// 16-byte chunks); chunk c of row r sits at chunk c ^ ((r/2) % 4), which
// puts the eight rows an ldmatrix reads on distinct banks (two 64-byte
// rows share one 128-byte bank line). F16/BF16 weights are copied
// straight into the tile the warps read; quantized weights are copied raw
// (Q8_0, Q4_0 and Q6_K in the device layout of layout.go, Q4_K in GGUF's),
// with the words holding their scales, and dequantized each step into an
// F16 tile with the arithmetic of mma.cu's w_store: after the step arrives (a
// second barrier before the tensor cores read it), or, in the mpwd_
// kernels, a step ahead into a second tile. Static shared memory is capped
// at 48 KiB (more needs cuFuncSetAttribute), which sets the stage count:
// 3 for F16 128×128 tiles, 2–4 for the others (mp_stages).
//
// Rows past m, tokens past n and k past the end read as zeros (cp.async
// zero-fill) and are not stored. The Go side sends here only what the
// copies allow: w and its rows 16-byte aligned (4-byte for the *_w4
// kernels), and k a multiple of 8 (the activations' rows then stay
// 16-byte aligned too).
#include "mma.cuh"

#define MP_BM 128
#define MP_BK 32
#define MP_SMEM 49152 // static shared memory per block: the most a kernel may declare

__device__ __forceinline__ void cp16(void* s, const void* g, bool full) {
    uint32_t a = (uint32_t)__cvta_generic_to_shared(s);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(a), "l"(g), "r"(full ? 16 : 0) : "memory");
}

__device__ __forceinline__ void cp_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

template <int N>
__device__ __forceinline__ void cp_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// mp_chunk is the position, in 16-byte chunks, of chunk c of row r of a
// swizzled tile.
__device__ __forceinline__ int mp_chunk(int r, int c) { return 4 * r + (c ^ ((r >> 1) & 3)); }

// mp_raw is the raw bytes of one weight row per k step for the quantized
// formats (0: copied straight into the tile as halves).
template <int FMT>
__host__ __device__ constexpr int mp_raw() {
    return FMT == F_Q8_0 ? 32 : FMT == F_Q4_0 ? 16 : FMT == F_Q4_K ? 32 : FMT == F_Q6_K ? 64 : 0;
}

// mp_sb is the bytes of one weight row's scales staged per k step (cp.async
// copies of the aligned 4-byte words, or Q4_K's 16-byte block header,
// holding them): Q8_0 and Q4_0 the word of two F16 scales holding the
// step's, Q6_K the word holding the block's F16 d and the word holding the
// step's two int8 scales.
template <int FMT>
__host__ __device__ constexpr int mp_sb() {
    return FMT == F_Q8_0 || FMT == F_Q4_0 ? 4 : FMT == F_Q4_K ? 16 : FMT == F_Q6_K ? 8 : 0;
}

// mp_wstep is the bytes of one k step's weights as staged: 128 rows of
// halves, or of raw quants and their scales.
template <int FMT>
__host__ __device__ constexpr int mp_wstep() {
    return mp_raw<FMT>() ? MP_BM * (mp_raw<FMT>() + mp_sb<FMT>()) : 2 * MP_BM * MP_BK;
}

// mp_stages is the pipeline depth that fits MP_SMEM: per stage an
// activation tile (BN × 32 halves) and a weight step, besides the one
// dequantized tile of the quantized formats; at most 4.
template <int FMT, int BN>
__host__ __device__ constexpr int mp_stages() {
    return (MP_SMEM - (mp_raw<FMT>() ? 2 * MP_BM * MP_BK : 0)) / (2 * BN * MP_BK + mp_wstep<FMT>()) > 4
               ? 4
               : (MP_SMEM - (mp_raw<FMT>() ? 2 * MP_BM * MP_BK : 0)) / (2 * BN * MP_BK + mp_wstep<FMT>());
}

// mp_scale_src is the offset in a row of scale copy c of k step kt.
template <int FMT>
__device__ __forceinline__ int mp_scale_src(int k, int kt, int c) {
    if constexpr (FMT == F_Q8_0) {
        return k + 4 * (kt / 2);
    } else if constexpr (FMT == F_Q4_0) {
        return k / 2 + 4 * (kt / 2);
    } else if constexpr (FMT == F_Q4_K) {
        return 144 * (kt / 8);
    } else { // Q6_K: the word of d, then the word of the scales (2q and 2q+1 of half hh)
        int nb = k / 256, b = kt / 8, j = kt % 8;
        return c == 0 ? 208 * nb + 4 * (b / 2) : (192 * nb + 16 * b + 8 * (j / 4) + 2 * (j % 4)) & ~3;
    }
}

__device__ __forceinline__ void cp4(void* s, const void* g, bool full) {
    uint32_t a = (uint32_t)__cvta_generic_to_shared(s);
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(a), "l"(g), "r"(full ? 4 : 0) : "memory");
}

__device__ __forceinline__ float f16_bits(uint32_t v) { return __half2float(__ushort_as_half((unsigned short)(v & 0xFFFF))); }

// mp_dequant converts the 16 weights half·16… of one row's raw k step
// (raw: the row's bytes; Q6_K: hi, its high bits; scl: its staged scales)
// to F16 at d0, d1 (two chunks of a swizzled tile).
template <int FMT>
__device__ __forceinline__ void mp_dequant(uint4* d0, uint4* d1, const uint8_t* raw, const uint8_t* hi, const uint8_t* scl, int kt,
                                           int half) {
    int4 q, h = make_int4(0, 0, 0, 0);
    float d = 0.0f, dm = 0.0f;
    int sel = 0;
    if constexpr (FMT == F_Q8_0) {
        q = *(const int4*)(raw + 16 * half);
        d = f16_bits(*(const uint32_t*)scl >> (16 * (kt & 1)));
    } else if constexpr (FMT == F_Q4_0) {
        q = *(const int4*)raw;
        d = f16_bits(*(const uint32_t*)scl >> (16 * (kt & 1)));
        sel = half;
    } else if constexpr (FMT == F_Q4_K) {
        q = *(const int4*)(raw + 16 * half);
        int4 hdr = *(const int4*)scl;
        // sub-block j of 32 of the 256-element block: its 6-bit scale and
        // min from bytes j&3 of the scale words (bytes 4…15 of the header)
        int j = kt % 8, sh = 8 * (j & 3);
        int b1 = ((uint32_t)hdr.y >> sh) & 0xFF, b2 = ((uint32_t)hdr.z >> sh) & 0xFF, b3 = ((uint32_t)hdr.w >> sh) & 0xFF;
        int sc = j < 4 ? b1 & 63 : (b3 & 0xF) | ((b1 >> 6) << 4);
        int mn = j < 4 ? b2 & 63 : (b3 >> 4) | ((b2 >> 6) << 4);
        float bd = f16_bits((uint32_t)hdr.x), bm = f16_bits((uint32_t)hdr.x >> 16);
        d = __fmul_rn(bd, (float)sc);
        dm = __fmul_rn(bm, (float)mn);
        sel = j & 1;
    } else { // Q6_K
        q = *(const int4*)(raw + 16 * half);
        h = *(const int4*)(hi + 16 * half);
        int j = kt % 8, b = kt / 8, o = (8 * (j / 4) + 2 * (j % 4)) & 3; // o: the step's scales in their word
        float bd = f16_bits(*(const uint32_t*)scl >> (16 * (b & 1)));
        int sc = (int)(int8_t)(*(const uint32_t*)(scl + 4) >> (8 * (o + half)));
        d = __fmul_rn(bd, (float)sc);
        sel = kt % 4;
    }
    uint32_t v[8];
    if constexpr (FMT == F_Q8_0 || FMT == F_Q4_0) {
        // q·d rounded to F16 in half arithmetic, which gives w_store's
        // values: q (8 or 4 bits) times an F16 d is exact in F32, and
        // mul.rn.f16x2 rounds the exact product as the F32 → F16
        // conversion does. Each byte b becomes the half 1024 + b (bits
        // 0x6400 | b), from which the subtraction leaves q exactly.
        uint32_t d2 = (uint32_t)__half_as_ushort(__float2half_rn(d)) * 0x10001u;
        uint32_t bias = FMT == F_Q8_0 ? 0x64806480u : 0x64086408u; // 1024+128, 1024+8
#pragma unroll
        for (int i = 0; i < 4; i++) {
            uint32_t wd = (uint32_t)word_of(q, i);
            wd = FMT == F_Q8_0 ? wd ^ 0x80808080u : (wd >> (4 * sel)) & 0x0F0F0F0Fu;
            uint32_t lo = __byte_perm(wd, 0x64646464u, 0x5140), hi = __byte_perm(wd, 0x64646464u, 0x5342);
            asm("sub.rn.f16x2 %0, %0, %1;\n" : "+r"(lo) : "r"(bias));
            asm("sub.rn.f16x2 %0, %0, %1;\n" : "+r"(hi) : "r"(bias));
            asm("mul.rn.f16x2 %0, %0, %1;\n" : "+r"(lo) : "r"(d2));
            asm("mul.rn.f16x2 %0, %0, %1;\n" : "+r"(hi) : "r"(d2));
            v[2 * i] = lo, v[2 * i + 1] = hi;
        }
    } else {
        // Small integers u become floats without conversion instructions
        // (a sixteenth of the F32 rate): the float of bits 0x4B000000 | u
        // is 2^23 + u. Q4_K's d·q − dm is one fma, the value of w_store's
        // product and subtraction since d·q is exact.
        constexpr float M = 8388608.0f;
#pragma unroll
        for (int i = 0; i < 8; i++) { // elements 2i, 2i+1: bytes 2i%4, 2i%4+1 of word i/2
            uint32_t wd = (uint32_t)word_of(q, i / 2);
            int sh = 16 * (i & 1);
            uint32_t b0 = wd >> sh, b1 = wd >> (sh + 8);
            float f0, f1;
            if constexpr (FMT == F_Q4_K) {
                int s4 = 4 * sel;
                float q0 = __uint_as_float(0x4B000000u | ((b0 >> s4) & 15)) - M, q1 = __uint_as_float(0x4B000000u | ((b1 >> s4) & 15)) - M;
                f0 = __fmaf_rn(d, q0, -dm), f1 = __fmaf_rn(d, q1, -dm);
            } else { // q − 32 from 2^23 + q
                uint32_t hw = (uint32_t)word_of(h, i / 2);
                uint32_t h0 = hw >> sh, h1 = hw >> (sh + 8);
                int sl = sel >= 2 ? 4 : 0, sq = 2 * sel;
                float q0 = __uint_as_float(0x4B000000u | ((b0 >> sl) & 15) | (((h0 >> sq) & 3) << 4)) - (M + 32.0f);
                float q1 = __uint_as_float(0x4B000000u | ((b1 >> sl) & 15) | (((h1 >> sq) & 3) << 4)) - (M + 32.0f);
                f0 = __fmul_rn(d, q0), f1 = __fmul_rn(d, q1);
            }
            v[i] = pack_f16(f0, f1);
        }
    }
    *d0 = make_uint4(v[0], v[1], v[2], v[3]);
    *d1 = make_uint4(v[4], v[5], v[6], v[7]);
}

// mp_raw_src is where chunk c of a row's raw k step kt starts in the row
// (device layout for Q8_0, Q4_0, Q6_K; GGUF's for Q4_K).
template <int FMT>
__device__ __forceinline__ int mp_raw_src(int k, int kt, int c) {
    if constexpr (FMT == F_Q8_0) {
        return 32 * kt + 16 * c;
    } else if constexpr (FMT == F_Q4_0) {
        return 16 * kt;
    } else if constexpr (FMT == F_Q4_K) { // elements 32j… of block kt/8: nibbles of bytes 32(j/2)…
        return 144 * (kt / 8) + 16 + 32 * ((kt % 8) / 2) + 16 * c;
    } else { // Q6_K: chunks 0, 1 low bits, 2, 3 high bits
        int nb = k / 256, b = kt / 8, j = kt % 8, hh = j / 4, q = j % 4;
        return c < 2 ? 128 * b + 64 * hh + 32 * (q & 1) + 16 * c : 128 * nb + 64 * b + 32 * hh + 16 * (c - 2);
    }
}

template <int FMT, int BN, int WA, int THREADS, bool DB>
__device__ __forceinline__ void mp_main(float* dst, const uint8_t* w, const uint16_t* xh, int m, int k, int n, long long rs, int ktiles,
                                        float* part) {
    constexpr bool BF = FMT == F_BF16;
    constexpr int RAW = mp_raw<FMT>();                    // raw bytes per row and step (0: F16/BF16)
    constexpr int ST = DB ? 2 : mp_stages<FMT, BN>();     // pipeline depth
    constexpr int XT = BN * MP_BK * 2;                    // bytes of an activation tile
    constexpr int WT = MP_BM * MP_BK * 2;                 // bytes of a half weight tile
    constexpr int SB = mp_sb<FMT>();                      // scale bytes per row and step
    constexpr int WS = mp_wstep<FMT>();                   // bytes of a staged weight step
    constexpr int WARPS = THREADS / 32;                   //
    constexpr int WM = WARPS == 8 && BN == 64 ? 4 : 2;    // warps along the rows
    constexpr int WN = WARPS / WM;                        // warps along the tokens
    constexpr int MT = MP_BM / WM / 16;                   // m16 tiles per warp
    constexpr int NT = BN / WN / 8;                       // n8 tiles per warp
    static_assert(ST >= 2, "pipeline too shallow");
    constexpr int WD = RAW ? (DB ? 2 : 1) : 0;           // dequantized tiles
    static_assert(ST * (XT + WS) + WD * WT <= MP_SMEM, "shared memory");
    static_assert(NT % 2 == 0 && BN * 4 % THREADS == 0, "tile shape");
    static_assert(!DB || RAW, "double-buffered dequantization of a float format");
    __shared__ __align__(128) uint8_t smem[ST * (XT + WS) + WD * WT];
    uint8_t* Xs = smem;            // ST activation tiles
    uint8_t* Wst = smem + ST * XT; // ST weight steps (quantized: 128 rows of quants, then of scales)
    uint8_t* Wd = Wst + ST * WS;   // the dequantized tiles (quantized formats)

    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int wm = warp % WM, wn = warp / WM;
    int tm = (m + MP_BM - 1) / MP_BM, tn = (n + BN - 1) / BN;
    int b = blockIdx.x, g = b / (MM_GROUP * tn);
    int gsize = min(MM_GROUP, tm - g * MM_GROUP), local = b - g * MM_GROUP * tn;
    int m0 = (g * MM_GROUP + local % gsize) * MP_BM, n0 = (local / gsize) * BN;
    if (gridDim.z > 1) dst = part + (long long)blockIdx.z * n * m;
    int kt0 = blockIdx.z * ktiles, nk = min((k + MP_BK - 1) / MP_BK, kt0 + ktiles);

    // copy assignments: activation chunk i = tid + THREADS·j is token i/4, chunk i%4
    constexpr int XC = BN * 4 / THREADS;
    const uint16_t* xrow[XC];
    bool xok[XC];
#pragma unroll
    for (int j = 0; j < XC; j++) {
        int t = (tid + THREADS * j) >> 2;
        xok[j] = n0 + t < n;
        xrow[j] = xh + (long long)(xok[j] ? n0 + t : 0) * k;
    }
    // weight chunks: F16/BF16 row i/4, chunk i%4; raw: row i/RC, chunk i%RC
    constexpr int RC = RAW ? RAW / 16 : 4;
    constexpr int WC = (MP_BM * RC + THREADS - 1) / THREADS;
    const uint8_t* wrow[WC];
    bool wok[WC];
#pragma unroll
    for (int j = 0; j < WC; j++) {
        int r = (tid + THREADS * j) / RC;
        wok[j] = m0 + r < m && tid + THREADS * j < MP_BM * RC;
        wrow[j] = w + (long long)(wok[j] ? m0 + r : 0) * rs;
    }
    // scale copies: copy i = tid + THREADS·j is row i/SC, piece i%SC
    constexpr int SC = SB == 8 ? 2 : 1;
    constexpr int SJ = (MP_BM * SC + THREADS - 1) / THREADS;

    auto issue_x = [&](int slot, int kt) {
        if (kt >= nk) return;
        uint8_t* xs = Xs + slot * XT;
#pragma unroll
        for (int j = 0; j < XC; j++) {
            int i = tid + THREADS * j, c = i & 3, ke = kt * MP_BK + 8 * c;
            bool ok = xok[j] && ke < k;
            cp16(xs + 16 * mp_chunk(i >> 2, c), ok ? (const void*)(xrow[j] + ke) : (const void*)xh, ok);
        }
    };
    auto issue_w = [&](int slot, int kt) {
        if (kt >= nk) return;
        uint8_t* ws = Wst + slot * WS;
#pragma unroll
        for (int j = 0; j < WC; j++) {
            int i = tid + THREADS * j;
            if constexpr (RAW == 0) {
                int c = i & 3, ke = kt * MP_BK + 8 * c;
                bool ok = wok[j] && ke < k;
                cp16(ws + 16 * mp_chunk(i >> 2, c), ok ? (const void*)(wrow[j] + 2 * ke) : (const void*)w, ok);
            } else {
                if (MP_BM * RC % THREADS != 0 && i >= MP_BM * RC) break;
                int r = i / RC, c = i % RC;
                // Q6_K: low bits of all rows, then high bits
                int at = FMT == F_Q6_K ? (c >> 1) * (MP_BM * 32) + 32 * r + 16 * (c & 1) : 16 * i;
                const uint8_t* src = wok[j] ? wrow[j] + mp_raw_src<FMT>(k, kt, c) : w;
                if constexpr (WA == 16) {
                    cp16(ws + at, src, wok[j]);
                } else {
#pragma unroll
                    for (int e = 0; e < 16; e += 4) cp4(ws + at + e, src + e, wok[j]);
                }
            }
        }
        if constexpr (SB != 0) {
#pragma unroll
            for (int j = 0; j < SJ; j++) {
                int i = tid + THREADS * j, r = i / SC, c = i % SC;
                if (MP_BM * SC % THREADS != 0 && i >= MP_BM * SC) break;
                bool ok = m0 + r < m;
                const uint8_t* src = ok ? w + (long long)(m0 + r) * rs + mp_scale_src<FMT>(k, kt, c) : w;
                if constexpr (SB == 16) {
                    cp16(ws + MP_BM * RAW + 16 * r, src, ok);
                } else {
                    cp4(ws + MP_BM * RAW + SB * r + 4 * c, src, ok);
                }
            }
        }
    };

    float acc[MT][NT][4] = {};

    // dequant converts the raw weights of step kt (in its slot) into tile t
    auto dequant = [&](const uint8_t* ws, int kt, uint8_t* t) {
#pragma unroll
        for (int p = 0; p < 2 * MP_BM / THREADS; p++) { // piece i: row i/2, elements 16(i%2)…
            int i = tid + THREADS * p, dr = i >> 1, dh = i & 1;
            const uint8_t* raw = FMT == F_Q6_K ? ws + 32 * dr : ws + RAW * dr;
            mp_dequant<FMT>((uint4*)t + mp_chunk(dr, 2 * dh), (uint4*)t + mp_chunk(dr, 2 * dh + 1), raw, raw + MP_BM * 32,
                            ws + MP_BM * RAW + SB * dr, kt, dh);
        }
    };
    // mma multiplies tile A (weights) by tile B (activations) into acc
    auto mma = [&](const uint16_t* A, const uint16_t* B) {
#pragma unroll
        for (int kk = 0; kk < MP_BK / 16; kk++) {
            uint32_t a[MT][4], bf[NT][2];
#pragma unroll
            for (int mt = 0; mt < MT; mt++) {
                int r = MP_BM / WM * wm + 16 * mt + (lane & 15);
                ldsm_x4(a[mt], A + 8 * mp_chunk(r, 2 * kk + (lane >> 4)));
            }
#pragma unroll
            for (int np = 0; np < NT / 2; np++) {
                uint32_t r4[4];
                int r = BN / WN * wn + 16 * np + (lane & 7) + 8 * (lane >> 4);
                ldsm_x4(r4, B + 8 * mp_chunk(r, 2 * kk + ((lane >> 3) & 1)));
                bf[2 * np][0] = r4[0], bf[2 * np][1] = r4[1], bf[2 * np + 1][0] = r4[2], bf[2 * np + 1][1] = r4[3];
            }
#pragma unroll
            for (int mt = 0; mt < MT; mt++)
#pragma unroll
                for (int nt = 0; nt < NT; nt++) mma16816<BF>(acc[mt][nt], a[mt], bf[nt][0], bf[nt][1]);
        }
    };

    if constexpr (DB) {
        // Double-buffered dequantization: step kt+1 is dequantized (into
        // the other tile) while the tensor cores work on step kt, so one
        // barrier a step, at the price of a shallower pipeline: the
        // copies of step kt+1's activations and step kt+2's weights are
        // issued one step ahead.
        issue_x(0, kt0);
        issue_w(0, kt0);
        issue_w(1, kt0 + 1);
        cp_commit();
        cp_wait<0>();
        __syncthreads();
        dequant(Wst, kt0, Wd);
        for (int kt = kt0; kt < nk; kt++) {
            int i = (kt - kt0) & 1;
            cp_wait<0>();
            __syncthreads(); // step kt's tile and activations, step kt+1's raw weights are in place; step kt-1 is done
            issue_x(i ^ 1, kt + 1);
            issue_w(i, kt + 2);
            cp_commit();
            if (kt + 1 < nk) dequant(Wst + (i ^ 1) * WS, kt + 1, Wd + (i ^ 1) * WT);
            mma((const uint16_t*)(Wd + i * WT), (const uint16_t*)(Xs + i * XT));
        }
    } else {
#pragma unroll
        for (int s = 0; s < ST - 1; s++) {
            issue_x(s, kt0 + s);
            issue_w(s, kt0 + s);
            cp_commit();
        }
        for (int kt = kt0; kt < nk; kt++) {
            int slot = (kt - kt0) % ST, next = (kt - kt0 + ST - 1) % ST;
            cp_wait<ST - 2>();
            __syncthreads(); // step kt has arrived; every warp is done with step kt-1's tiles
            issue_x(next, kt + ST - 1);
            issue_w(next, kt + ST - 1);
            cp_commit();
            const uint8_t* As = Wst + slot * WS;
            if constexpr (RAW != 0) {
                dequant(As, kt, Wd);
                __syncthreads();
                As = Wd;
            }
            mma((const uint16_t*)As, (const uint16_t*)(Xs + slot * XT));
        }
    }
    cp_wait<0>(); // no copy outlives the block (the last issues are empty groups)

#pragma unroll
    for (int mt = 0; mt < MT; mt++) {
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
            int row = m0 + MP_BM / WM * wm + 16 * mt + (lane >> 2);
            mma_store(dst, acc[mt][nt], row, n0 + BN / WN * wn + 8 * nt + 2 * (lane & 3), m, n);
        }
    }
}

// Entry points: dst n×m F32, w m×k (row bytes rs), xh n×k F16 (BF16 for
// mp*_bf16). Grid x is the number of tiles, grid z the k splits of ktiles
// k steps each (part: z·n·m floats, unused without splits). Families:
// mp_* tile 128 tokens with 8 warps of 64 rows × 32 tokens, mp64_* 64
// tokens with 8 warps of 32 × 32, mpw_* 128 tokens with 4 warps of 64 × 64
// (fewer shared-memory reads per product, fewer warps to hide latency).
// The *_w4 kernels take Q8_0, Q4_0 and Q6_K rows that are only 4-byte
// aligned (an even number of blocks), copied in 4-byte pieces.
#define MP_ENTRY(name, FMT, BN, WA, THREADS, DB)                                                                                 \
    extern "C" __global__ void __launch_bounds__(THREADS, 2)                                                                     \
        name(float* dst, const uint8_t* w, const uint16_t* xh, int m, int k, int n, long long rs, int ktiles, float* part) { pdl_begin(); \
        mp_main<FMT, BN, WA, THREADS, DB>(dst, w, xh, m, k, n, rs, ktiles, part);                                                \
    }
#define MP_FAMILY(prefix, BN, THREADS)                  \
    MP_ENTRY(prefix##_f16, F_F16, BN, 16, THREADS, false)     \
    MP_ENTRY(prefix##_bf16, F_BF16, BN, 16, THREADS, false)   \
    MP_ENTRY(prefix##_q8_0, F_Q8_0, BN, 16, THREADS, false)   \
    MP_ENTRY(prefix##_q4_0, F_Q4_0, BN, 16, THREADS, false)   \
    MP_ENTRY(prefix##_q4_k, F_Q4_K, BN, 16, THREADS, false)   \
    MP_ENTRY(prefix##_q6_k, F_Q6_K, BN, 16, THREADS, false)   \
    MP_ENTRY(prefix##_q8_0_w4, F_Q8_0, BN, 4, THREADS, false) \
    MP_ENTRY(prefix##_q4_0_w4, F_Q4_0, BN, 4, THREADS, false) \
    MP_ENTRY(prefix##_q6_k_w4, F_Q6_K, BN, 4, THREADS, false)
// The double-buffered dequantization needs a second F16 tile: Q6_K's raw
// steps leave no room for it.
#define MP_FAMILY_DB(prefix, BN, THREADS)                    \
    MP_ENTRY(prefix##_q8_0, F_Q8_0, BN, 16, THREADS, true)   \
    MP_ENTRY(prefix##_q4_0, F_Q4_0, BN, 16, THREADS, true)   \
    MP_ENTRY(prefix##_q4_k, F_Q4_K, BN, 16, THREADS, true)   \
    MP_ENTRY(prefix##_q8_0_w4, F_Q8_0, BN, 4, THREADS, true) \
    MP_ENTRY(prefix##_q4_0_w4, F_Q4_0, BN, 4, THREADS, true)

MP_FAMILY(mp, 128, 256)
MP_FAMILY(mp64, 64, 256)
MP_FAMILY(mpw, 128, 128)
MP_FAMILY_DB(mpwd, 128, 128)
