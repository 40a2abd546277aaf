// pipe.cuh: the software pipeline of the one-token quantized products
// (matvec.cu, kquants.cu). Every load of a pipeline stage (weights, their
// scales, activations and theirs) is a cp.async copy into the stage's slot
// of shared memory; one cp.async.wait_group covers a stage, and the compute
// reads only shared memory. Nothing is loaded into registers ahead of its
// use: a warp's pending loads share a few scoreboards, and a register
// loaded S steps ahead makes each step wait for the latest load (seen on an
// H100: that version ran at half the speed of plain loads).
#pragma once
#include "common.cuh"

// cp_async copies N (4, 8 or 16) bytes from global to shared memory, both
// N-byte aligned; .cg (weights, read once) bypasses L1, .ca (activations,
// read by every warp) keeps them there. cp_async4 reads the first src
// (≤ 4) bytes and zero-fills the rest. cp_commit closes the lane's group of
// copies; cp_wait<G> waits until at most G of its groups are pending. A
// lane's own copies are visible to it after the wait; lanes read only
// their own.
__device__ __forceinline__ unsigned smem_addr(const void* s) { return (unsigned)__cvta_generic_to_shared(s); }
__device__ __forceinline__ void cp_async16_cg(void* s, const void* g) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(smem_addr(s)), "l"(g) : "memory");
}
__device__ __forceinline__ void cp_async16_ca(void* s, const void* g) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 16;\n" ::"r"(smem_addr(s)), "l"(g) : "memory");
}
__device__ __forceinline__ void cp_async8(void* s, const void* g) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 8;\n" ::"r"(smem_addr(s)), "l"(g) : "memory");
}
__device__ __forceinline__ void cp_async4(void* s, const void* g, unsigned src) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(smem_addr(s)), "l"(g), "r"(src) : "memory");
}
__device__ __forceinline__ void cp_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int G>
__device__ __forceinline__ void cp_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(G) : "memory");
}

// pipe_steps runs a lane's n steps through S slots of shared memory once
// the copies of steps 0…S-1 are queued, one group each: use(s, i) computes
// with step i's copies, issue(s, i) queues those of step i into slot s.
// The copies of step i+S are queued as soon as step i has been used, so S
// steps a lane are always in flight; steps are used in order.
template <int S, typename Issue, typename Use>
__device__ __forceinline__ void pipe_steps(int n, Issue issue, Use use) {
    for (int i0 = 0; i0 < n; i0 += S) {
#pragma unroll
        for (int s = 0; s < S; s++) {
            int i = i0 + s;
            cp_wait<S - 1>(); // step i's group is complete
            if (i < n) {
                use(s, i);
                if (i + S < n) issue(s, i + S);
            }
            cp_commit();
        }
    }
    cp_wait<0>();
}

// pipe runs a lane's n steps through S slots (pipe_steps), queueing the
// first S steps' copies itself.
template <int S, typename Issue, typename Use>
__device__ __forceinline__ void pipe(int n, Issue issue, Use use) {
#pragma unroll
    for (int s = 0; s < S; s++) {
        if (s < n) issue(s, s);
        cp_commit();
    }
    pipe_steps<S>(n, issue, use);
}

#ifndef PDL_PREFETCH
#define PDL_PREFETCH 1 // 0: pipe_after_wait waits before its first copies (to compare)
#endif

// pipe_after_wait is pipe for a kernel started by programmatic dependent
// launch (common.cuh) that has not waited yet: the first S steps' copies
// of what no earlier kernel writes (issue_w: the weights and their scales)
// are queued before griddepcontrol.wait, those of the rest (issue_x: the
// activations) after it, so that the weights stream while the kernels
// before finish. Later steps queue both (pipe_steps).
template <int S, typename IssueW, typename IssueX, typename Use>
__device__ __forceinline__ void pipe_after_wait(int n, IssueW issue_w, IssueX issue_x, Use use) {
    if (!PDL_PREFETCH) pdl_wait();
#pragma unroll
    for (int s = 0; s < S; s++)
        if (s < n) issue_w(s, s);
    if (PDL_PREFETCH) pdl_wait();
#pragma unroll
    for (int s = 0; s < S; s++) {
        if (s < n) issue_x(s, s);
        cp_commit(); // step 0's group holds the weights of steps 1…S-1 too: they are only earlier
    }
    pipe_steps<S>(n, [&](int s, int i) { issue_w(s, i), issue_x(s, i); }, use);
}

// row_store sums a warp's R row partials and stores those of rows j0+r < m.
template <int R>
__device__ __forceinline__ void row_store(float* dst, float (&acc)[R], int j0, int m) {
    pdl_product_end();
#pragma unroll
    for (int r = 0; r < R; r++) {
        float s = warp_sum(acc[r]);
        if (j0 + r < m && (threadIdx.x & 31) == 0) dst[j0 + r] = s;
    }
}

// warp_rows returns the first of the R rows the calling warp computes in
// row block bx (blocks of WARPS warps) and sets the addresses of those
// rows; rows past m read row m-1 and are not stored (row_store).
template <int WARPS, int R>
__device__ __forceinline__ int warp_rows(const uint8_t* w, int m, long long rs, int bx, const uint8_t* (&rows)[R]) {
    int j0 = (bx * WARPS + (threadIdx.x >> 5)) * R;
#pragma unroll
    for (int r = 0; r < R; r++) rows[r] = w + (long long)min(j0 + r, m - 1) * rs;
    return j0;
}
