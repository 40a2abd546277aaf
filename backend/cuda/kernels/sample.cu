// sample.cu: sampling support over rows of logits, one block per row:
// argmax and the k largest values (TK_THREADS: a decode step has one row
// or a few, so one block must keep a whole SM's loads in flight), softmax
// (SM_THREADS).
#include "common.cuh"

#define SM_THREADS 256
#define SM_WARPS (SM_THREADS / 32)
#define TK_THREADS 1024
#define TK_WARPS (TK_THREADS / 32)

// better reports whether (v, i) ranks before (w, j): larger value, then
// lower index (NaN ranks last).
__device__ __forceinline__ bool better(float v, int i, float w, int j) {
    if (v != v) return false;
    if (w != w) return true;
    return v > w || (v == w && i < j);
}

// ---- argmax: ids[r] = the column of row r's largest value (the first on
// ties), vals[r] that value ----

extern "C" __global__ void __launch_bounds__(TK_THREADS) argmax_f32(int* ids, float* vals, const float* x, int cols) {
    pdl_begin();
    __shared__ float sv[TK_WARPS];
    __shared__ int si[TK_WARPS];
    const float* xr = x + (long long)blockIdx.x * cols;
    float bv = NEG_INF;
    int bi = cols; // none yet
    for (int c = threadIdx.x; c < cols; c += TK_THREADS) {
        float v = xr[c];
        if (bi == cols || better(v, c, bv, bi)) bv = v, bi = c;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(FULL_MASK, bv, o);
        int oi = __shfl_xor_sync(FULL_MASK, bi, o);
        if (oi != cols && (bi == cols || better(ov, oi, bv, bi))) bv = ov, bi = oi;
    }
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    if (lane == 0) sv[warp] = bv, si[warp] = bi;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < TK_WARPS; w++)
            if (si[w] != cols && (bi == cols || better(sv[w], si[w], bv, bi))) bv = sv[w], bi = si[w];
        ids[blockIdx.x] = bi;
        vals[blockIdx.x] = bv;
    }
}

// block_sum and block_max reduce over the block (every thread gets the
// result); scratch holds SM_WARPS floats.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    v = warp_sum(v);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float t = 0.0f;
    for (int w = 0; w < SM_WARPS; w++) t += scratch[w];
    return t;
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    v = warp_max(v);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float t = scratch[0];
    for (int w = 1; w < SM_WARPS; w++) t = fmaxf(t, scratch[w]);
    return t;
}

// ---- softmax: dst row = exp(s·x − max)/Σ, s = scale (1/temperature);
// dst may be x ----

extern "C" __global__ void __launch_bounds__(SM_THREADS) softmax_f32(float* dst, const float* x, int cols, float scale) {
    pdl_begin();
    __shared__ float scratch[SM_WARPS];
    const float* xr = x + (long long)blockIdx.x * cols;
    float* o = dst + (long long)blockIdx.x * cols;
    float mx = NEG_INF;
    for (int c = threadIdx.x; c < cols; c += SM_THREADS) mx = fmaxf(mx, scale * xr[c]);
    mx = block_max(mx, scratch);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += SM_THREADS) s += expf(scale * xr[c] - mx);
    s = block_sum(s, scratch);
    float inv = 1.0f / s;
    for (int c = threadIdx.x; c < cols; c += SM_THREADS) o[c] = expf(scale * xr[c] - mx) * inv;
}

// ---- top-k: the k largest values of each row, best first (ties: lower
// column first; NaN ranks lowest), into ids and vals (k per row).
//
// topk_f32, for any k ≤ SM_MAX_K, one block a row: the k-th largest key is
// found by a radix select over the order-preserving 32-bit keys of the
// floats (four passes of 8 bits over the row), then each thread collects
// its contiguous chunk's larger keys and, in column order, as many equal
// ones as are needed; the k candidates are ranked in shared memory.
// Dynamic shared memory: 8·k bytes. (Decode steps use the two-stage
// kernels below for k ≤ TP_MAX_K.) ----

#define SM_MAX_K 1024

// order_key maps floats to keys in the same order: equal keys for equal
// values (−0 is +0), NaN below everything.
__device__ __forceinline__ uint32_t order_key(float f) {
    uint32_t u = __float_as_uint(f);
    if (f != f) return 0;
    if (f == 0.0f) return 0x80000000u;
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// block_scan returns the exclusive prefix sum of v over the block's threads
// and sets *total; scratch holds TK_WARPS ints.
__device__ __forceinline__ int block_scan(int v, int* scratch, int* total) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int inc = v;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        int t = __shfl_up_sync(FULL_MASK, inc, o);
        if (lane >= o) inc += t;
    }
    __syncthreads();
    if (lane == 31) scratch[warp] = inc;
    __syncthreads();
    int before = 0, all = 0;
    for (int w = 0; w < TK_WARPS; w++) {
        if (w < warp) before += scratch[w];
        all += scratch[w];
    }
    *total = all;
    return before + inc - v;
}

// count_bin adds one to hist[bin] for each calling lane, with one atomic
// per distinct bin of the warp: logits crowd into few bins of the first
// pass, where lane-by-lane atomics on one address would serialize.
__device__ __forceinline__ void count_bin(int* hist, uint32_t bin) {
    unsigned peers = __match_any_sync(__activemask(), bin);
    if ((threadIdx.x & 31) == __ffs(peers) - 1) atomicAdd(&hist[bin], __popc(peers));
}

// radix_state is the shared state of a radix select.
struct radix_state {
    int hist[256];
    uint32_t prefix; // the selected bins so far
    int need;        // how many of the keys matching prefix are still to take
    int done;        // every key matching prefix is to be taken: the select may stop
};

// select_bin, run by warp 0 after a pass's histogram, extends rs->prefix
// by the bin that holds the need-th largest matching key and leaves in
// rs->need how many of that bin's keys are still to take. Lane l sums
// bins 255−8l … 248−8l, a scan over the lanes finds the lane where the
// count from the top reaches need, and that lane walks its bins (the
// matching keys number at least need).
__device__ __forceinline__ void select_bin(radix_state* rs) {
    int lane = threadIdx.x, top = 255 - 8 * lane, need = rs->need;
    int s = 0;
#pragma unroll
    for (int j = 0; j < 8; j++) s += rs->hist[top - j];
    int inc = s;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        int t = __shfl_up_sync(FULL_MASK, inc, o);
        if (lane >= o) inc += t;
    }
    unsigned hit = __ballot_sync(FULL_MASK, inc >= need);
    int first = hit ? __ffs(hit) - 1 : 31;
    if (lane == first) {
        int cum = inc - s, j = 0;
        for (; j < 7; j++) {
            int h = rs->hist[top - j];
            if (cum + h >= need) break;
            cum += h;
        }
        rs->prefix = (rs->prefix << 8) | (uint32_t)(top - j);
        rs->need = need - cum;
        rs->done = rs->hist[top - j] == need - cum;
    }
}

// radix_pass_begin clears the histogram (every thread calls it);
// radix_pass_end selects the bin (every thread calls it, after counting
// with count_bin). Keys take part in pass p when their top 8·p bits
// equal rs->prefix.
__device__ __forceinline__ void radix_pass_begin(radix_state* rs) {
    for (int i = threadIdx.x; i < 256; i += TK_THREADS) rs->hist[i] = 0;
    __syncthreads();
}

__device__ __forceinline__ void radix_pass_end(radix_state* rs) {
    __syncthreads();
    if (threadIdx.x < 32) select_bin(rs);
    __syncthreads();
}

// in_pass reports whether key takes part in pass p of a select at prefix.
__device__ __forceinline__ bool in_pass(uint32_t key, int p, uint32_t prefix) {
    return p == 0 || (key >> (32 - 8 * p)) == prefix;
}

// rank_candidates writes the k best of the n candidates (cv, ci) to row
// r's ids and vals, ranked by key, then column.
__device__ __forceinline__ void rank_candidates(int* ids, float* vals, const float* cv, const int* ci, int n, int k) {
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float v = cv[i];
        uint32_t key = order_key(v);
        int id = ci[i], r = 0;
        for (int j = 0; j < n; j++) {
            uint32_t kj = order_key(cv[j]);
            r += kj > key || (kj == key && ci[j] < id);
        }
        if (r < k) {
            ids[(long long)blockIdx.x * k + r] = id;
            vals[(long long)blockIdx.x * k + r] = v;
        }
    }
}

// topk_radix is topk_f32's method on row xr; cv and ci hold k entries each.
__device__ __forceinline__ void topk_radix(int* ids, float* vals, const float* xr, int cols, int k, float* cv, int* ci,
                                           radix_state* rs, int* scratch) {
    if (threadIdx.x == 0) rs->prefix = 0, rs->need = k;
    __syncthreads();
    for (int p = 0; p < 4; p++) {
        radix_pass_begin(rs);
        uint32_t prefix = rs->prefix;
        for (int c = threadIdx.x; c < cols; c += TK_THREADS) {
            uint32_t key = order_key(xr[c]);
            if (in_pass(key, p, prefix)) count_bin(rs->hist, (key >> (24 - 8 * p)) & 255);
        }
        radix_pass_end(rs);
    }
    // rs->prefix is the k-th largest key; take every larger key and the
    // first rs->need equal ones in column order
    uint32_t kth = rs->prefix;
    int need = rs->need;
    int chunk = (cols + TK_THREADS - 1) / TK_THREADS;
    int c0 = min(cols, threadIdx.x * chunk), c1 = min(cols, c0 + chunk);
    int gt = 0, eq = 0;
    for (int c = c0; c < c1; c++) {
        uint32_t key = order_key(xr[c]);
        gt += key > kth;
        eq += key == kth;
    }
    int ngt, neq;
    int ogt = block_scan(gt, scratch, &ngt);
    int oeq = block_scan(eq, scratch, &neq);
    for (int c = c0; c < c1; c++) {
        float v = xr[c];
        uint32_t key = order_key(v);
        if (key > kth) {
            cv[ogt] = v, ci[ogt] = c;
            ogt++;
        } else if (key == kth) {
            if (oeq < need) cv[ngt + oeq] = v, ci[ngt + oeq] = c;
            oeq++;
        }
    }
    __syncthreads();
    rank_candidates(ids, vals, cv, ci, k, k); // ngt + need == k
}

extern "C" __global__ void __launch_bounds__(TK_THREADS, 1) topk_f32(int* ids, float* vals, const float* x, int cols, int k) {
    pdl_begin();
    extern __shared__ __align__(16) unsigned char sm[];
    __shared__ radix_state rs;
    __shared__ int scratch[TK_WARPS];
    const float* xr = x + (long long)blockIdx.x * cols;
    topk_radix(ids, vals, xr, cols, k, (float*)sm, (int*)(sm + 4 * k), &rs, scratch);
}

// ---- two-stage selection for decode steps: a row of logits is one block's
// work in the kernels above, which leaves one SM pulling the whole row with
// few loads in flight (32k logits: 12 µs for argmax). Here the first stage
// splits each row into segments of TP_SEG columns, one block of TP_THREADS
// each, with TP_PER loads in flight per thread; the second merges the
// segments' results of a row in one block. ----

#define TP_THREADS 256
#define TP_WARPS (TP_THREADS / 32)
#define TP_PER 8
#define TP_SEG (TP_THREADS * TP_PER)
#define TP_MAX_K 256
#define TP_PAD_COL 0x7fffffff // column of padding: ranks after every real NaN

// argmax_part_f32: grid (segments, rows). Block s of row r writes the best
// (value, column) of columns [s·TP_SEG, (s+1)·TP_SEG) to pv/pi[r·segments + s].
extern "C" __global__ void __launch_bounds__(TP_THREADS) argmax_part_f32(float* pv, int* pi, const float* x, int cols) {
    pdl_begin();
    __shared__ float sv[TP_WARPS];
    __shared__ int si[TP_WARPS];
    const float* xr = x + (long long)blockIdx.y * cols;
    int c0 = blockIdx.x * TP_SEG + threadIdx.x;
    float v[TP_PER];
#pragma unroll
    for (int j = 0; j < TP_PER; j++) {
        int c = c0 + j * TP_THREADS;
        v[j] = c < cols ? xr[c] : 0.0f;
    }
    float bv = NEG_INF;
    int bi = cols; // none yet
#pragma unroll
    for (int j = 0; j < TP_PER; j++) {
        int c = c0 + j * TP_THREADS;
        if (c < cols && (bi == cols || better(v[j], c, bv, bi))) bv = v[j], bi = c;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(FULL_MASK, bv, o);
        int oi = __shfl_xor_sync(FULL_MASK, bi, o);
        if (oi != cols && (bi == cols || better(ov, oi, bv, bi))) bv = ov, bi = oi;
    }
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    if (lane == 0) sv[warp] = bv, si[warp] = bi;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < TP_WARPS; w++)
            if (si[w] != cols && (bi == cols || better(sv[w], si[w], bv, bi))) bv = sv[w], bi = si[w];
        long long o = (long long)blockIdx.y * gridDim.x + blockIdx.x;
        pv[o] = bv;
        pi[o] = bi;
    }
}

// argmax_merge_f32: grid rows, one warp each: the best of a row's segs
// partial results (none is empty: every segment has a column).
extern "C" __global__ void __launch_bounds__(32) argmax_merge_f32(int* ids, float* vals, const float* pv, const int* pi, int segs) {
    pdl_begin();
    const float* v = pv + (long long)blockIdx.x * segs;
    const int* ix = pi + (long long)blockIdx.x * segs;
    float bv = NEG_INF;
    int bi = -1; // none yet
    for (int s = threadIdx.x; s < segs; s += 32)
        if (bi < 0 || better(v[s], ix[s], bv, bi)) bv = v[s], bi = ix[s];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(FULL_MASK, bv, o);
        int oi = __shfl_xor_sync(FULL_MASK, bi, o);
        if (oi >= 0 && (bi < 0 || better(ov, oi, bv, bi))) bv = ov, bi = oi;
    }
    if (threadIdx.x == 0) ids[blockIdx.x] = bi, vals[blockIdx.x] = bv;
}

// topk_part_f32: grid (segments, rows). Block s of row r writes the k best
// of columns [s·TP_SEG, (s+1)·TP_SEG) (all of them, padded with NaN at
// column TP_PAD_COL, when fewer), in no order, to pv/pi[(r·segments + s)·k
// …]: the larger keys than the k-th largest and as many equal ones as
// needed, the lowest columns first. Thread t holds columns t + j·TP_THREADS
// of the segment, so column order is (j, warp, lane) order.
extern "C" __global__ void __launch_bounds__(TP_THREADS) topk_part_f32(float* pv, int* pi, const float* x, int cols, int k, int early) {
    pdl_begin();
    __shared__ radix_state rs;
    __shared__ int eqoff[TP_PER * TP_WARPS]; // equal keys before (j, warp), in column order
    __shared__ int ngt;
    const float* xr = x + (long long)blockIdx.y * cols;
    int seg0 = blockIdx.x * TP_SEG, c0 = seg0 + threadIdx.x;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    float v[TP_PER];
    uint32_t key[TP_PER];
#pragma unroll
    for (int j = 0; j < TP_PER; j++) {
        int c = c0 + j * TP_THREADS;
        v[j] = c < cols ? xr[c] : 0.0f;
    }
#pragma unroll
    for (int j = 0; j < TP_PER; j++) key[j] = order_key(v[j]);
    int n = min(cols - seg0, TP_SEG), kk = min(k, n);
    if (threadIdx.x == 0) rs.prefix = 0, rs.need = kk, ngt = 0;
    __syncthreads();
    int levels = 4; // bytes of the keys selected
    for (int p = 0; p < 4; p++) {
        for (int i = threadIdx.x; i < 256; i += TP_THREADS) rs.hist[i] = 0;
        __syncthreads();
        uint32_t prefix = rs.prefix;
#pragma unroll
        for (int j = 0; j < TP_PER; j++)
            if (c0 + j * TP_THREADS < cols && in_pass(key[j], p, prefix)) count_bin(rs.hist, (key[j] >> (24 - 8 * p)) & 255);
        __syncthreads();
        if (threadIdx.x < 32) select_bin(&rs);
        __syncthreads();
        if (early && rs.done) {
            levels = p + 1;
            break;
        }
    }
    // keys are compared by their top 8·levels bits: above kth, taken; equal,
    // taken lowest column first (all of them when the select stopped early)
    int sh = 32 - 8 * levels;
    uint32_t kth = rs.prefix;
    int need = rs.need;
    // ranks of the equal keys in column order
    unsigned eqb[TP_PER];
#pragma unroll
    for (int j = 0; j < TP_PER; j++) {
        eqb[j] = __ballot_sync(FULL_MASK, c0 + j * TP_THREADS < cols && (key[j] >> sh) == kth);
        if (lane == 0) eqoff[j * TP_WARPS + warp] = __popc(eqb[j]);
    }
    __syncthreads();
    if (threadIdx.x < 32) { // exclusive scan of the 64 counts, two a lane
        int e0 = eqoff[2 * lane], e1 = eqoff[2 * lane + 1], s = e0 + e1, inc = s;
#pragma unroll
        for (int o = 1; o < 32; o <<= 1) {
            int t = __shfl_up_sync(FULL_MASK, inc, o);
            if (lane >= o) inc += t;
        }
        eqoff[2 * lane] = inc - s;
        eqoff[2 * lane + 1] = inc - s + e0;
    }
    __syncthreads();
    long long out = ((long long)blockIdx.y * gridDim.x + blockIdx.x) * k;
    unsigned below = (1u << lane) - 1;
#pragma unroll
    for (int j = 0; j < TP_PER; j++) {
        int c = c0 + j * TP_THREADS;
        bool gt = c < cols && (key[j] >> sh) > kth;
        unsigned gtb = __ballot_sync(FULL_MASK, gt);
        int base = 0;
        if (lane == 0 && gtb) base = atomicAdd(&ngt, __popc(gtb));
        base = __shfl_sync(FULL_MASK, base, 0);
        if (gt) {
            int slot = base + __popc(gtb & below);
            pv[out + slot] = v[j], pi[out + slot] = c;
        }
    }
    __syncthreads(); // ngt is final: the larger keys number kk − need
#pragma unroll
    for (int j = 0; j < TP_PER; j++) {
        if (eqb[j] >> lane & 1) {
            int r = eqoff[j * TP_WARPS + warp] + __popc(eqb[j] & below);
            if (r < need) pv[out + kk - need + r] = v[j], pi[out + kk - need + r] = c0 + j * TP_THREADS;
        }
    }
    for (int i = kk + threadIdx.x; i < k; i += TP_THREADS) pv[out + i] = __int_as_float(0x7fc00000), pi[out + i] = TP_PAD_COL;
}

// topk_merge_f32: grid rows, 256 or TK_THREADS each: the k best of a row's
// n candidates (pv, pi: the segments' results), best first, into ids and
// vals. A radix select finds the k-th largest key (stopping early, when
// early is set, once every key of the bin it is in is needed); when more
// keys equal it than are needed, a second one over the equal keys'
// complemented columns finds the need lowest columns. Dynamic shared
// memory: 8·k bytes.
extern "C" __global__ void __launch_bounds__(TK_THREADS, 1) topk_merge_f32(int* ids, float* vals, const float* pv, const int* pi, int n, int k, int early) {
    pdl_begin();
    extern __shared__ __align__(16) unsigned char sm[];
    float* cv = (float*)sm;
    int* ci = (int*)(sm + 4 * k);
    __shared__ radix_state rs;
    __shared__ int taken;
    const float* v = pv + (long long)blockIdx.x * n;
    const int* ix = pi + (long long)blockIdx.x * n;
    if (threadIdx.x == 0) rs.prefix = 0, rs.need = k, taken = 0;
    __syncthreads();
    int levels = 4;
    for (int p = 0; p < 4; p++) {
        radix_pass_begin(&rs);
        uint32_t prefix = rs.prefix;
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            uint32_t key = order_key(v[i]);
            if (in_pass(key, p, prefix)) count_bin(rs.hist, (key >> (24 - 8 * p)) & 255);
        }
        radix_pass_end(&rs);
        if (early && rs.done) {
            levels = p + 1;
            break;
        }
    }
    int sh = 32 - 8 * levels;
    uint32_t kth = rs.prefix;
    int need = rs.need;
    bool all_equal = rs.hist[kth & 255] == need; // every key matching kth is taken
    uint32_t cut = 0;                             // else (levels is 4): complemented columns ≥ cut are
    int csh = 0;
    if (!all_equal) {
        __syncthreads();
        if (threadIdx.x == 0) rs.prefix = 0, rs.need = need;
        __syncthreads();
        int clevels = 4;
        for (int p = 0; p < 4; p++) {
            radix_pass_begin(&rs);
            uint32_t prefix = rs.prefix;
            for (int i = threadIdx.x; i < n; i += blockDim.x) {
                uint32_t col = ~(uint32_t)ix[i];
                if (order_key(v[i]) == kth && in_pass(col, p, prefix)) count_bin(rs.hist, (col >> (24 - 8 * p)) & 255);
            }
            radix_pass_end(&rs);
            if (early && rs.done) {
                clevels = p + 1;
                break;
            }
        }
        cut = rs.prefix;
        csh = 32 - 8 * clevels;
    }
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float f = v[i];
        uint32_t key = order_key(f) >> sh;
        if (key > kth || (key == kth && (all_equal || (~(uint32_t)ix[i] >> csh) >= cut))) {
            int slot = atomicAdd(&taken, 1);
            cv[slot] = f, ci[slot] = ix[i];
        }
    }
    __syncthreads();
    rank_candidates(ids, vals, cv, ci, k, k);
}
