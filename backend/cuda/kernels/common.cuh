// common.cuh: helpers shared by Tern's CUDA kernels.
//
// Conventions: kernels are extern "C" (unmangled names, found by the Go side
// from the PTX's .entry lines); tensors are row-major; sizes are int,
// strides and element offsets that can pass 2^31 are long long; device
// pointers are 8-byte parameters, ints and floats 4-byte ones.
#pragma once
#include <cuda_fp16.h>
#include <stdint.h>

#define FULL_MASK 0xffffffffu
#define NEG_INF __int_as_float(0xff800000)

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, o));
    return v;
}

__device__ __forceinline__ float half_to_float(const __half* p) { return __half2float(*p); }

// round_half rounds a float to the nearest F16 value (as the CPU backend
// converts activations for F16 weights).
__device__ __forceinline__ float round_half(float x) { return __half2float(__float2half_rn(x)); }

// load16 reads 16 bytes at p: one 16-byte load when p is 16-byte aligned,
// else eight 2-byte loads (p is always 2-byte aligned: rows of every format
// have an even size).
__device__ __forceinline__ int4 load16(const uint8_t* p, bool aligned) {
    if (aligned) return __ldg((const int4*)p);
    const uint16_t* h = (const uint16_t*)p;
    int4 r;
    r.x = (int)((uint32_t)h[0] | ((uint32_t)h[1] << 16));
    r.y = (int)((uint32_t)h[2] | ((uint32_t)h[3] << 16));
    r.z = (int)((uint32_t)h[4] | ((uint32_t)h[5] << 16));
    r.w = (int)((uint32_t)h[6] | ((uint32_t)h[7] << 16));
    return r;
}

// Programmatic dependent launch (compute capability 9.0 and newer; the
// sm90 PTX modules). The Go side launches a kernel whose PTX holds
// griddepcontrol.wait with programmatic stream serialization: it may then
// start while the kernel before it in the stream still runs, as soon as
// every block of that kernel has executed griddepcontrol.launch_dependents
// (or exited). griddepcontrol.wait blocks until the kernels before have
// completed and their memory is visible: nothing may read what an earlier
// kernel wrote, or write anything, before it. In the sm80 modules these
// are empty and kernels launch one after another.
//
// The small kernels (norms, RoPE, attention, SwiGLU, sampling) let the
// next kernel launch at once (pdl_begin), so that its launch is spent
// while they run. The Q8_0 and Q4_0 one-token products, launched so while
// the small kernel before them runs, copy their first weights before they
// wait (pipe.cuh's pipe_after_wait): weights are never written by a
// kernel, so they stream in while that kernel finishes (8B Q4_0 decode
// 388-394 -> 414-422 tok/s on an H100; the same for the F16 and K-quant
// products read no faster, nor did mmq.cu's few-token products copying
// their first stages' weights so (batch32 and batch8 within the noise,
// some up, some down), nor decode attention asking L2 for its first keys
// and values before the wait). The other one-token products wait at their
// start (pdl_product). All of them let the kernel after them launch once
// each warp has read its weights (pdl_product_end, before the sums and
// stores), not while they stream them: letting it launch at once made an
// 8B decode step 4% slower on an H200 (its waiting blocks take room from
// the product's last wave); at the stores rather than at the exit, 1.1B
// Q4_K 1231-1242 -> 1293-1325 tok/s, 1.1B and 8B Q4_0 +0-1%.
#ifdef TERN_TRACE
// A timeline of a module's kernels, built with -DTERN_TRACE only (the
// trace test reads it, trace_test.go): thread 0 of every eighth block and
// of the last records the global timer when it reaches griddepcontrol.wait
// (event 0), when the wait returns (1) and, in the one-token products, when
// its warps have read their weights (2), with its multiprocessor, grid and
// block.
#define TRACE_CAP (1 << 19)
__device__ unsigned long long tern_trace[2 * TRACE_CAP];
__device__ unsigned int tern_trace_n;
__device__ __forceinline__ void trace(unsigned ev) {
    if (threadIdx.x | threadIdx.y | threadIdx.z) return;
    if ((blockIdx.x & 7) && blockIdx.x != gridDim.x - 1) return;
    unsigned long long t;
    unsigned sm;
    asm volatile("mov.u64 %0, %%globaltimer;\n" : "=l"(t));
    asm volatile("mov.u32 %0, %%smid;\n" : "=r"(sm));
    unsigned i = atomicAdd(&tern_trace_n, 1);
    if (i >= TRACE_CAP) return;
    unsigned long long warps = (blockDim.x * blockDim.y * blockDim.z + 31) / 32;
    tern_trace[2 * i] = t;
    tern_trace[2 * i + 1] = ev | (unsigned long long)(sm & 0xFF) << 2 | (warps & 0x3F) << 10 |
                            (unsigned long long)(gridDim.x & 0xFFFFF) << 16 | (unsigned long long)(blockIdx.x & 0xFFFFF) << 36 |
                            (unsigned long long)min(gridDim.y * gridDim.z, 255u) << 56;
}
#else
__device__ __forceinline__ void trace(unsigned) {}
#endif

__device__ __forceinline__ void pdl_wait() {
    trace(0);
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
    trace(1);
}

__device__ __forceinline__ void pdl_begin() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
    pdl_wait();
}

#ifndef PDL_PRODUCT_TRIGGER
#define PDL_PRODUCT_TRIGGER 2 // 0: one-token products launch the next kernel at their exit, 2: at their stores (to compare)
#endif

// pdl_product is the start of the one-token products that ask for nothing
// before they wait.
__device__ __forceinline__ void pdl_product() { pdl_wait(); }

// pdl_product_end is where a one-token product's warp, its weights all
// read, lets the next kernel launch (PDL_PRODUCT_TRIGGER 2).
__device__ __forceinline__ void pdl_product_end() {
    trace(2);
#if PDL_PRODUCT_TRIGGER == 2 && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}
