// mmq.cu: tensor-core products of Q4_0, Q8_0, Q4_K and Q6_K weights with
// a few tokens (up to 64: a batched decode step, a short prompt),
// mq<BN>_<format>: dst = x·wᵀ for n ≤ BN tokens a block, with F16
// activations (to_f16) and F32 sums; mq16x_<format> the same for fewer
// than 16 tokens on 8-bit activations (Q8_0, Q8_K), as the matrix-vector
// kernels take them.
//
// mmp.cu's kernels dequantize each 32-wide k step of a 128-row tile into
// an F16 tile in shared memory, with a barrier before and after: at 32
// tokens each step carries 2 KiB of Q4_0 weights, and the steps' fixed
// costs held the weights to ~550 GB/s. Here a block copies 128 k (four
// blocks of 32) of 128 weight rows a stage, raw, with their scales (Q4_K:
// the super-block's header; Q6_K: its scales and d) and the tokens'
// activations, several stages ahead (cp.async, dynamic shared memory), and
// each warp turns the raw quants of its own rows into mma fragments in
// registers: one barrier a stage, no F16 tile.
//
// The fragments come straight from the quants by ordering k inside each
// 32-block as the bytes lie. Lane (g, c) of an m16n8k16 product holds, of
// row g and g+8, the A elements at k 2c, 2c+1, 2c+8, 2c+9 and, of token g,
// the B elements at the same k. A block's first k16 step here takes the
// block's elements 4c…4c+3 in those places and its second step elements
// 16+4c…16+4c+3: the low and the high nibbles of Q4_0 quant bytes
// 4c…4c+3, Q8_0 quant words 4c and 16+4c, one nibble of Q4_K words 4c and
// 16+4c of the sub-block's 32 bytes (Q6_K: with two bits of its high-bit
// words 4c and 16+4c), and for B four consecutive halves of the token's
// row (one 8-byte load; 8-bit activations: four quants times their scale). Any order of k gives the same product; Q4_0 and
// Q8_0 weights are the halves mmp.cu's dequantization makes (q·d rounded
// to F16), and only the order of the F32 sums differs.
//
// Warps 0–3 take rows 32w…32w+31 of the tile; with KG k groups (1 or 2:
// 128 or 256 threads), warp w+4j takes the stage's blocks j, j+KG, … for
// the same rows, and the groups' sums are added in group order at the
// end. Shared rows are padded (80 or 144 bytes a weight row, 288 a token;
// Q4_K's 80 and Q6_K's 112 are what a stage takes of a row) so that a
// warp's loads hit distinct banks. Rows past m and tokens past n read as
// zeros (cp.async zero-fill) and are not stored. The Go side (mmq.go)
// sends only what the copies allow: w and its rows 16-byte aligned (Q4_0,
// Q8_0 and Q6_K in the device layout of layout.go, Q4_K in GGUF's) and k
// a multiple of 128; grid z splits k into runs of ktiles stages, whose
// partial sums go to part and are added by mm_reduce.
#include "mma.cuh"

#define MQ_BK 128  // k per stage: four blocks of 32
#define MQ_MT 2    // m16 tiles a warp
#define MQ_BM 128  // weight rows a block: four warps of MQ_MT m16 tiles
#define MQ_XROW 288  // shared bytes of a token's stage row: 128 halves and 32 bytes of padding
#define MQ_XQROW 176 // the same with 8-bit activations: 128 quants, 32 bytes of padding, 16 of scales

// mq_qb is the quant bytes of a block of 32; mq_wrow the shared bytes of a
// weight row's stage: four blocks' quants and 16 bytes (Q4_0, Q8_0: of
// padding; Q4_K: the super-block's header, its d, dmin and scales), or
// Q6_K's 64 bytes of low bits, 32 of high bits, 8 scales and the 4-byte
// word holding d (112 in all); mq_sb
// the bytes of a row's staged scales (Q4_0, Q8_0: the four blocks' F16
// d); mq_stage a stage's bytes: the weight rows, their scales, and BN
// activation rows (F16, or with XQ 8-bit quants and their scales). mmq.go's
// mqStageBytes computes the same.
template <int FMT>
__host__ __device__ constexpr int mq_qb() { return FMT == F_Q8_0 ? 32 : 16; }
template <int FMT>
__host__ __device__ constexpr int mq_wrow() { return FMT == F_Q6_K ? 112 : 4 * mq_qb<FMT>() + 16; }
template <int FMT>
__host__ __device__ constexpr int mq_sb() { return FMT == F_Q4_K || FMT == F_Q6_K ? 0 : 8; }
template <int FMT, int BN, bool XQ>
__host__ __device__ constexpr int mq_stage() { return MQ_BM * (mq_wrow<FMT>() + mq_sb<FMT>()) + BN * (XQ ? MQ_XQROW : MQ_XROW); }

// mq_cp copies N (16, 8 or 4) bytes from global to shared memory, or
// zeros where ok is false (src must still be a valid address).
template <int N>
__device__ __forceinline__ void mq_cp(void* s, const void* g, bool ok) {
    uint32_t a = (uint32_t)__cvta_generic_to_shared(s);
    if constexpr (N == 16) {
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(a), "l"(g), "r"(ok ? 16 : 0) : "memory");
    } else {
        asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"(a), "l"(g), "n"(N), "r"(ok ? N : 0) : "memory");
    }
}

__device__ __forceinline__ void mq_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

template <int N>
__device__ __forceinline__ void mq_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// mq_half2 turns bytes b, b+1 of word v (selector 0x5140) or b+2, b+3
// (0x5342) into halves 1024 + byte, then into (byte − bias)·d: each byte
// is a small integer, so the subtraction is exact and the product is q·d
// rounded to F16, as mmp.cu's mp_dequant rounds it.
template <uint32_t SEL>
__device__ __forceinline__ uint32_t mq_half2(uint32_t v, uint32_t bias, uint32_t d2) {
    uint32_t h = __byte_perm(v, 0x64646464u, SEL);
    asm("sub.rn.f16x2 %0, %0, %1;\n" : "+r"(h) : "r"(bias));
    asm("mul.rn.f16x2 %0, %0, %1;\n" : "+r"(h) : "r"(d2));
    return h;
}

// mq_frag makes the A fragments of one 32-block of rows g (quants q0, F16
// scale at s0) and g+8 (q8, s8) for the block's two k16 steps (a0, a1).
template <int FMT>
__device__ __forceinline__ void mq_frag(uint32_t (&a0)[4], uint32_t (&a1)[4], const uint8_t* q0, const uint8_t* q8,
                                        const uint8_t* s0, const uint8_t* s8) {
    constexpr uint32_t bias = FMT == F_Q8_0 ? 0x64806480u : 0x64086408u; // 1024+128, 1024+8
#pragma unroll
    for (int j = 0; j < 2; j++) {
        const uint8_t* q = j ? q8 : q0;
        uint32_t lo, hi; // the words of steps 0 and 1
        if constexpr (FMT == F_Q4_0) {
            uint32_t v = *(const uint32_t*)q;
            lo = v & 0x0F0F0F0Fu, hi = (v >> 4) & 0x0F0F0F0Fu;
        } else {
            lo = *(const uint32_t*)q ^ 0x80808080u, hi = *(const uint32_t*)(q + 16) ^ 0x80808080u;
        }
        uint32_t d2 = (uint32_t)*(const uint16_t*)(j ? s8 : s0) * 0x10001u;
        a0[j] = mq_half2<0x5140>(lo, bias, d2), a0[2 + j] = mq_half2<0x5342>(lo, bias, d2);
        a1[j] = mq_half2<0x5140>(hi, bias, d2), a1[2 + j] = mq_half2<0x5342>(hi, bias, d2);
    }
}

// mq_khdr is what a Q4_K row's stage takes from its super-block header
// (d, dmin, twelve bytes of 6-bit scales and mins): d twice (F16), −dmin
// twice, and the 6-bit scales and mins of the stage's four sub-blocks
// (half hh of the super-block: sub-blocks 4hh…4hh+3), a byte each.
struct mq_khdr {
    uint32_t d2, m2, sc, mn;
};

__device__ __forceinline__ mq_khdr mq_khdr_of(const uint8_t* hdr, int hh) {
    uint4 h = *(const uint4*)hdr;
    mq_khdr r;
    r.d2 = (h.x & 0xFFFFu) * 0x10001u;
    r.m2 = ((h.x >> 16) * 0x10001u) ^ 0x80008000u;
    if (hh == 0) { // sub-blocks 0–3: the low 6 bits of scale bytes 0–3 and 4–7
        r.sc = h.y & 0x3F3F3F3Fu, r.mn = h.z & 0x3F3F3F3Fu;
    } else { // 4–7: the nibbles of bytes 8–11, their top bits from bytes 0–3 and 4–7
        r.sc = (h.w & 0x0F0F0F0Fu) | ((h.y >> 2) & 0x30303030u);
        r.mn = ((h.w >> 4) & 0x0F0F0F0Fu) | ((h.z >> 2) & 0x30303030u);
    }
    return r;
}

// mq_kfrag is mq_frag for sub-block b (0–3) of a Q4_K stage: the quants of
// rows g (q0) and g+8 (q8) are nibbles hh = b&1 of the stage's bytes
// 32(b/2)…, a weight d·sc·q − dmin·m with d·sc and dmin·m rounded to F16
// and one fma in half precision (mmp.cu rounds once, from F32: these
// differ from its halves by up to an F16 rounding of each product).
__device__ __forceinline__ void mq_kfrag(uint32_t (&a0)[4], uint32_t (&a1)[4], const uint8_t* q0, const uint8_t* q8, const mq_khdr& h0,
                                         const mq_khdr& h8, int b) {
    constexpr uint32_t bias = 0x64006400u; // 1024, 1024
    uint32_t sel = (uint32_t)b | 0x40u | ((uint32_t)b << 8) | 0x4000u; // byte b of the scales, twice, as 1024 + byte
#pragma unroll
    for (int j = 0; j < 2; j++) {
        const uint8_t* q = j ? q8 : q0;
        const mq_khdr& h = j ? h8 : h0;
        uint32_t sh = 4 * (b & 1);
        uint32_t lo = (*(const uint32_t*)q >> sh) & 0x0F0F0F0Fu, hi = (*(const uint32_t*)(q + 16) >> sh) & 0x0F0F0F0Fu;
        uint32_t sc = __byte_perm(h.sc, 0x64646464u, sel), mn = __byte_perm(h.mn, 0x64646464u, sel);
        asm("sub.rn.f16x2 %0, %0, %1;\n" : "+r"(sc) : "r"(bias));
        asm("sub.rn.f16x2 %0, %0, %1;\n" : "+r"(mn) : "r"(bias));
        asm("mul.rn.f16x2 %0, %0, %1;\n" : "+r"(sc) : "r"(h.d2)); // d·sc
        asm("mul.rn.f16x2 %0, %0, %1;\n" : "+r"(mn) : "r"(h.m2)); // −dmin·m
        uint32_t v[4] = {lo, lo, hi, hi};
        uint32_t* out[4] = {&a0[j], &a0[2 + j], &a1[j], &a1[2 + j]};
#pragma unroll
        for (int e = 0; e < 4; e++) {
            uint32_t x = __byte_perm(v[e], 0x64646464u, e & 1 ? 0x5342 : 0x5140);
            asm("sub.rn.f16x2 %0, %0, %1;\n" : "+r"(x) : "r"(bias));
            asm("fma.rn.f16x2 %0, %0, %1, %2;\n" : "+r"(x) : "r"(sc), "r"(mn));
            *out[e] = x;
        }
    }
}

// mq_6frag is mq_frag for sub-block j (0–3) of a Q6_K stage (half of a
// super-block) of rows g (row: the row's staged bytes) and g+8 (row8):
// 6-bit quants from nibble j/2 of low-bit bytes 32(j%2)… and bits 2j, 2j+1
// of high-bit bytes 0…31; the first k16 step takes the sub-block's first
// 16 elements, with scale 2j, the second its last 16, with scale 2j+1;
// dsel picks the super-block's d in its word. A weight is (q − 32)·(d·sc)
// with d·sc rounded to F16 (mmp.cu rounds once, from F32).
__device__ __forceinline__ void mq_6frag(uint32_t (&a0)[4], uint32_t (&a1)[4], const uint8_t* row, const uint8_t* row8, int j, int c,
                                         int dsel) {
    constexpr uint32_t bias = 0x64206420u; // 1024+32
#pragma unroll
    for (int r = 0; r < 2; r++) {
        const uint8_t* p = r ? row8 : row;
        int sh = 4 * (j >> 1), hs = 2 * j;
        const uint8_t* ql = p + 32 * (j & 1) + 4 * c;
        uint32_t h0 = *(const uint32_t*)(p + 64 + 4 * c), h1 = *(const uint32_t*)(p + 80 + 4 * c);
        uint32_t v0 = ((*(const uint32_t*)ql >> sh) & 0x0F0F0F0Fu) | (((h0 >> hs) & 0x03030303u) << 4);
        uint32_t v1 = ((*(const uint32_t*)(ql + 16) >> sh) & 0x0F0F0F0Fu) | (((h1 >> hs) & 0x03030303u) << 4);
        // scales 2j and 2j+1 (int8) as halves: 1024 + 128 + sc, less 1152
        uint32_t sc = __byte_perm((uint32_t)*(const uint16_t*)(p + 96 + 2 * j) ^ 0x8080u, 0x64646464u, 0x5140);
        asm("sub.rn.f16x2 %0, %0, %1;\n" : "+r"(sc) : "r"(0x64806480u));
        uint32_t d2 = ((*(const uint32_t*)(p + 104) >> (16 * dsel)) & 0xFFFFu) * 0x10001u;
        asm("mul.rn.f16x2 %0, %0, %1;\n" : "+r"(sc) : "r"(d2)); // d·sc of both steps
        uint32_t s0 = __byte_perm(sc, sc, 0x1010), s1 = __byte_perm(sc, sc, 0x3232);
        uint32_t v[4] = {v0, v0, v1, v1}, sv[4] = {s0, s0, s1, s1};
        uint32_t* out[4] = {&a0[r], &a0[2 + r], &a1[r], &a1[2 + r]};
#pragma unroll
        for (int e = 0; e < 4; e++) {
            uint32_t x = __byte_perm(v[e], 0x64646464u, e & 1 ? 0x5342 : 0x5140);
            asm("sub.rn.f16x2 %0, %0, %1;\n" : "+r"(x) : "r"(bias));
            asm("mul.rn.f16x2 %0, %0, %1;\n" : "+r"(x) : "r"(sv[e]));
            *out[e] = x;
        }
    }
}

// mq_xfrag makes the B fragments of 32-block b of token row p (8-bit
// quants, their float scales at sc: one a block for Q8_0, one a stage for
// Q8_K) for the block's two k16 steps: q·d rounded to F16.
template <bool K8>
__device__ __forceinline__ void mq_xfrag(uint32_t (&bf)[4], const uint8_t* p, const float* sc, int b, int c) {
    __half2 dh = __float2half2_rn(sc[K8 ? 0 : b]);
    uint32_t d2 = *(uint32_t*)&dh;
    uint32_t w0 = *(const uint32_t*)(p + 32 * b + 4 * c) ^ 0x80808080u, w1 = *(const uint32_t*)(p + 32 * b + 16 + 4 * c) ^ 0x80808080u;
    bf[0] = mq_half2<0x5140>(w0, 0x64806480u, d2), bf[1] = mq_half2<0x5342>(w0, 0x64806480u, d2);
    bf[2] = mq_half2<0x5140>(w1, 0x64806480u, d2), bf[3] = mq_half2<0x5342>(w1, 0x64806480u, d2);
}

template <int FMT, int BN, int ST, int KG, bool XQ>
__device__ __forceinline__ void mq_main(float* dst, const uint8_t* w, const void* x, const float* xd, int m, int k, int n, long long rs,
                                        int ktiles, float* part) {
    constexpr int BM = MQ_BM, MT = MQ_MT, QB = mq_qb<FMT>(), WR = mq_wrow<FMT>(), SZ = mq_stage<FMT, BN, XQ>();
    constexpr bool K8 = FMT == F_Q4_K || FMT == F_Q6_K; // with XQ: Q8_K activations (a scale per 256), else Q8_0's
    constexpr int THREADS = 128 * KG, NT = BN / 8;
    constexpr bool K = FMT == F_Q4_K, K6 = FMT == F_Q6_K;
    constexpr int SOFF = BM * WR, XOFF = SOFF + mq_sb<FMT>() * BM; // scales and activations in a stage
    // a row's copies: 16 bytes each (Q4_K: the header first), or Q6_K's
    // four of low bits, two of high bits, its 8 bytes of scales, its d word
    constexpr int WCH = K6 ? 8 : (K ? 16 : 0) / 16 + 4 * QB / 16;
    // 16-byte copies of weights and activations (XQ: a token's 8 of quants and one of its scales)
    constexpr int WC = BM * WCH, XC = XQ ? BN * 9 : BN * MQ_BK / 8;
    static_assert(4 % KG == 0, "copy shape");
    static_assert((KG - 1) * 4 * MT * NT * 4 * 32 * 4 <= ST * SZ, "room for the groups' sums");
    extern __shared__ __align__(16) uint8_t smem[];

    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int wm = warp & 3, kg = warp >> 2, g = lane >> 2, c = lane & 3;
    int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
    if (gridDim.z > 1) dst = part + (long long)blockIdx.z * n * m;
    int kt0 = blockIdx.z * ktiles, kt1 = min(k / MQ_BK, kt0 + ktiles);
    long long sc0 = (long long)(k / 32) * QB; // a row's scales follow its quants
    int nb = k / 256;                         // Q6_K: super-blocks a row (its regions: 128, 64, 16 and 2 bytes each)

    // Each thread's copies, set up once: sources (rows past m read row
    // m-1 and tokens past n token n-1, zero-filled) and shared offsets;
    // a stage then adds its k to each source.
    constexpr int WJ = (WC + THREADS - 1) / THREADS, XJ = (XC + THREADS - 1) / THREADS, SJ = mq_sb<FMT>() ? (BM + THREADS - 1) / THREADS : 0;
    const uint8_t* wsrc[WJ];
    const uint8_t* ssrc[SJ > 0 ? SJ : 1];
    const uint8_t* xsrc[XJ];
    int wdst[WJ], xdst[XJ];
    bool wok[WJ], wq[WJ], sok[SJ > 0 ? SJ : 1], xok[XJ];
#pragma unroll
    for (int j = 0; j < WJ; j++) {
        int i = min(tid + THREADS * j, WC - 1), r = i / WCH, ch = i % WCH; // (copies past WC are not issued)
        wok[j] = m0 + r < m;
        wq[j] = K && ch > 0;
        wsrc[j] = w + (long long)min(m0 + r, m - 1) * rs + 16 * ch;
        wdst[j] = r * WR + 16 * ch;
        if constexpr (K6) {
            const uint8_t* row = w + (long long)min(m0 + r, m - 1) * rs;
            wsrc[j] = ch < 4 ? row + 16 * ch : ch < 6 ? row + 128 * nb + 16 * (ch - 4) : ch == 6 ? row + 192 * nb : row + 208 * nb;
            wdst[j] = r * WR + (ch < 6 ? 16 * ch : ch == 6 ? 96 : 104);
        }
    }
#pragma unroll
    for (int j = 0; j < SJ; j++) {
        int r = tid + THREADS * j;
        sok[j] = m0 + r < m && r < BM;
        ssrc[j] = w + (long long)min(m0 + r, m - 1) * rs + sc0;
    }
#pragma unroll
    for (int j = 0; j < XJ; j++) {
        int i = min(tid + THREADS * j, XC - 1), t = XQ ? i / 9 : i >> 4, ch = XQ ? i % 9 : i & 15; // (copies past XC are not issued)
        long long tok = min(n0 + t, n - 1);
        xok[j] = n0 + t < n;
        if constexpr (XQ) { // chunk 8: the scales (Q8_0: four a stage; Q8_K: one a super-block)
            xsrc[j] = ch < 8 ? (const uint8_t*)x + tok * k + 16 * ch : (const uint8_t*)(xd + tok * (k / (K8 ? 256 : 32)));
            xdst[j] = XOFF + t * MQ_XQROW + (ch < 8 ? 16 * ch : 160);
        } else {
            xsrc[j] = (const uint8_t*)x + 2 * (tok * k + 8 * ch);
            xdst[j] = XOFF + t * MQ_XROW + 16 * ch;
        }
    }

    auto issue = [&](int slot, int kt) {
        if (kt >= kt1) return;
        uint8_t* s = smem + slot * SZ;
#pragma unroll
        for (int j = 0; j < WJ; j++) {
            if (WC % THREADS != 0 && tid + THREADS * j >= WC) break;
            if constexpr (K6) { // super-block b = kt/2, half kt%2
                int b = kt >> 1, h = kt & 1, ch = (tid + THREADS * j) % WCH;
                if (ch < 4) mq_cp<16>(s + wdst[j], wsrc[j] + 128 * b + 64 * h, wok[j]);
                else if (ch < 6) mq_cp<16>(s + wdst[j], wsrc[j] + 64 * b + 32 * h, wok[j]);
                else if (ch == 6) mq_cp<8>(s + wdst[j], wsrc[j] + 16 * b + 8 * h, wok[j]);
                else mq_cp<4>(s + wdst[j], wsrc[j] + 4 * (b >> 1), wok[j]);
                continue;
            }
            // Q4_K: the super-block kt/2's header, then its quant bytes 64(kt%2)… (at 16 + 64(kt%2) + 16(ch−1))
            long long off = K ? 144LL * (kt >> 1) + (wq[j] ? 64 * (kt & 1) : 0) : (long long)kt * 4 * QB;
            mq_cp<16>(s + wdst[j], wsrc[j] + off, wok[j]);
        }
#pragma unroll
        for (int j = 0; j < SJ; j++)
            if (BM % THREADS == 0 || tid + THREADS * j < BM) mq_cp<8>(s + SOFF + 8 * (tid + THREADS * j), ssrc[j] + 8 * kt, sok[j]);
#pragma unroll
        for (int j = 0; j < XJ; j++) {
            if (XC % THREADS != 0 && tid + THREADS * j >= XC) break;
            if constexpr (XQ) {
                bool sc = (tid + THREADS * j) % 9 == 8;
                if (!sc) mq_cp<16>(s + xdst[j], xsrc[j] + kt * MQ_BK, xok[j]);
                else if (K8) mq_cp<4>(s + xdst[j], xsrc[j] + 4 * (kt >> 1), xok[j]);
                else mq_cp<16>(s + xdst[j], xsrc[j] + 16 * kt, xok[j]);
            } else {
                mq_cp<16>(s + xdst[j], xsrc[j] + 2 * kt * MQ_BK, xok[j]);
            }
        }
    };

    float acc[MT][NT][4] = {};

    auto compute = [&](int slot, int kt) {
        const uint8_t* s = smem + slot * SZ;
        mq_khdr kh[MT][2]; // Q4_K: the headers of rows g and g+8 of each m16 tile
        if constexpr (K) {
#pragma unroll
            for (int mt = 0; mt < MT; mt++) {
                int r = 16 * MT * wm + 16 * mt + g;
                kh[mt][0] = mq_khdr_of(s + r * WR, kt & 1), kh[mt][1] = mq_khdr_of(s + (r + 8) * WR, kt & 1);
            }
        }
#pragma unroll
        for (int bb = 0; bb < 4 / KG; bb++) {
            int b = kg + KG * bb;
            uint32_t bf[NT][4];
#pragma unroll
            for (int nt = 0; nt < NT; nt++) {
                if constexpr (XQ) {
                    const uint8_t* xp = s + XOFF + (8 * nt + g) * MQ_XQROW;
                    mq_xfrag<K8>(bf[nt], xp, (const float*)(xp + 160), b, c);
                } else {
                    const uint8_t* xp = s + XOFF + (8 * nt + g) * MQ_XROW + 2 * (32 * b + 4 * c);
                    uint2 v0 = *(const uint2*)xp, v1 = *(const uint2*)(xp + 32);
                    bf[nt][0] = v0.x, bf[nt][1] = v0.y, bf[nt][2] = v1.x, bf[nt][3] = v1.y;
                }
            }
#pragma unroll
            for (int mt = 0; mt < MT; mt++) {
                int r = 16 * MT * wm + 16 * mt + g;
                uint32_t a0[4], a1[4];
                if constexpr (K) {
                    int q = 16 + 32 * (b >> 1) + 4 * c;
                    mq_kfrag(a0, a1, s + r * WR + q, s + (r + 8) * WR + q, kh[mt][0], kh[mt][1], b);
                } else if constexpr (K6) {
                    mq_6frag(a0, a1, s + r * WR, s + (r + 8) * WR, b, c, (kt >> 1) & 1);
                } else {
                    mq_frag<FMT>(a0, a1, s + r * WR + QB * b + 4 * c, s + (r + 8) * WR + QB * b + 4 * c, s + SOFF + 8 * r + 2 * b,
                                 s + SOFF + 8 * (r + 8) + 2 * b);
                }
#pragma unroll
                for (int nt = 0; nt < NT; nt++) {
                    mma16816<false>(acc[mt][nt], a0, bf[nt][0], bf[nt][1]);
                    mma16816<false>(acc[mt][nt], a1, bf[nt][2], bf[nt][3]);
                }
            }
        }
    };

#pragma unroll
    for (int s = 0; s < ST - 1; s++) {
        issue(s, kt0 + s);
        mq_commit();
    }
    for (int kt = kt0; kt < kt1; kt++) {
        int i = kt - kt0;
        mq_wait<ST - 2>();
        __syncthreads(); // stage i has arrived; every warp is done with stage i-1's slot
        issue((i + ST - 1) % ST, kt + ST - 1);
        mq_commit();
        compute(i % ST, kt);
    }
    mq_wait<0>(); // no copy outlives the block (the last groups are empty)

    if constexpr (KG > 1) {
        // The groups' sums meet in shared memory, added in group order.
        float* red = (float*)smem;
        constexpr int PER = MT * NT * 4; // a lane's sums
        __syncthreads(); // every warp is done with the stages
        if (kg > 0) {
#pragma unroll
            for (int i = 0; i < MT; i++)
#pragma unroll
                for (int j = 0; j < NT; j++)
#pragma unroll
                    for (int e = 0; e < 4; e++) red[(((kg - 1) * 4 + wm) * PER + (i * NT + j) * 4 + e) * 32 + lane] = acc[i][j][e];
        }
        __syncthreads();
        if (kg > 0) return;
#pragma unroll
        for (int q = 1; q < KG; q++)
#pragma unroll
            for (int i = 0; i < MT; i++)
#pragma unroll
                for (int j = 0; j < NT; j++)
#pragma unroll
                    for (int e = 0; e < 4; e++) acc[i][j][e] += red[(((q - 1) * 4 + wm) * PER + (i * NT + j) * 4 + e) * 32 + lane];
    }

#pragma unroll
    for (int mt = 0; mt < MT; mt++) {
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
            mma_store(dst, acc[mt][nt], m0 + 16 * MT * wm + 16 * mt + g, n0 + 8 * nt + 2 * c, m, n);
        }
    }
}

// Entry points: dst n×m F32, w m×k (row bytes rs, device layout), xh n×k
// F16. Grid x: row tiles of 128, y: token tiles of BN, z: k splits of
// ktiles stages (part: z·n·m floats, unused without splits); 128·KG
// threads. Dynamic shared memory: ST stages of mq_stage bytes, as many as
// fit 96 KiB (so that the GPUs of compute capability 8.6 and 8.9, which
// give a block at most 99 KiB, run them too; mmq.go's mqFamily). One k
// group for mq32_q4_0, two for the others: BenchmarkMMA on an H100, 8B
// shapes, one against two k groups: mq32_q4_0 4–7% faster, mq16_q8_0
// 15–23% slower, mq64_q4_0 up to 37% slower; mq32_q4_k, whose
// dequantization costs more, took 40.6 µs with one on 14336×4096.
#define MQ_ENTRY(name, FMT, BN, ST, KG)                                                                                  \
    extern "C" __global__ void __launch_bounds__(128 * KG, 1)                                                            \
        name(float* dst, const uint8_t* w, const uint16_t* xh, int m, int k, int n, long long rs, int ktiles, float* part) { \
        pdl_begin();                                                                                                     \
        mq_main<FMT, BN, ST, KG, false>(dst, w, xh, nullptr, m, k, n, rs, ktiles, part);                                \
    }
// mq16x_*: 16 tokens of 8-bit activations (xq quants, xd scales: Q8_0 for
// Q4_0 and Q8_0 weights, Q8_K for Q4_K and Q6_K, as the matrix-vector
// kernels and the CPU take them), for fewer tokens than the other products
// run on the tensor cores with.
#define MQ_ENTRY_XQ(name, FMT, ST, KG)                                                                                   \
    extern "C" __global__ void __launch_bounds__(128 * KG, 1) name(float* dst, const uint8_t* w, const int8_t* xq,       \
                                                                   const float* xd, int m, int k, int n, long long rs,  \
                                                                   int ktiles, float* part) {                           \
        pdl_begin();                                                                                                     \
        mq_main<FMT, 16, ST, KG, true>(dst, w, xq, xd, m, k, n, rs, ktiles, part);                                      \
    }

MQ_ENTRY(mq16_q4_0, F_Q4_0, 16, 4, 2)
MQ_ENTRY(mq32_q4_0, F_Q4_0, 32, 4, 1)
MQ_ENTRY(mq64_q4_0, F_Q4_0, 64, 3, 2)
MQ_ENTRY(mq16_q8_0, F_Q8_0, 16, 3, 2)
MQ_ENTRY(mq32_q8_0, F_Q8_0, 32, 3, 2)
MQ_ENTRY(mq64_q8_0, F_Q8_0, 64, 2, 2)
MQ_ENTRY(mq16_q4_k, F_Q4_K, 16, 4, 2)
MQ_ENTRY(mq32_q4_k, F_Q4_K, 32, 4, 2)
MQ_ENTRY(mq64_q4_k, F_Q4_K, 64, 3, 2)
MQ_ENTRY(mq16_q6_k, F_Q6_K, 16, 4, 2)
MQ_ENTRY(mq32_q6_k, F_Q6_K, 32, 4, 2)
MQ_ENTRY(mq64_q6_k, F_Q6_K, 64, 2, 2)
MQ_ENTRY_XQ(mq16x_q4_0, F_Q4_0, 4, 2)
MQ_ENTRY_XQ(mq16x_q8_0, F_Q8_0, 3, 2)
MQ_ENTRY_XQ(mq16x_q4_k, F_Q4_K, 4, 2)
MQ_ENTRY_XQ(mq16x_q6_k, F_Q6_K, 4, 2)
