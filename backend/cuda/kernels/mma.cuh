// mma.cuh: what the tensor-core products (mma.cu: mm_*, mmp.cu: mp_*)
// share: weight formats, F16/BF16 packing, ldmatrix and mma.sync.
#pragma once
#include "common.cuh"

#define MM_GROUP 16 // row tiles per group of the tile order

enum { F_F16, F_BF16, F_Q8_0, F_Q4_0, F_Q4_K, F_Q6_K };

__device__ __forceinline__ uint32_t pack_f16(float lo, float hi) {
    __half2 h = __floats2half2_rn(lo, hi);
    return *(uint32_t*)&h;
}

// bf16_bits rounds as ggml_compute_fp32_to_bf16 (and to_bf16) does.
__device__ __forceinline__ uint32_t bf16_bits(float x) {
    uint32_t u = __float_as_uint(x);
    return (u & 0x7fffffffu) > 0x7f800000u ? ((u >> 16) | 64) : ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) { return bf16_bits(lo) | (bf16_bits(hi) << 16); }

__device__ __forceinline__ int word_of(int4 v, int i) { return i == 0 ? v.x : (i == 1 ? v.y : (i == 2 ? v.z : v.w)); }

__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], const uint16_t* p) {
    uint32_t a = (uint32_t)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a));
}

template <bool BF>
__device__ __forceinline__ void mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    if constexpr (BF) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    } else {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    }
}

// mma_store writes the m16n8 tile c of an mma16816 product (rows row and
// row+8, tokens tok and tok+1, as the lane holds them) to dst, n tokens of
// m rows, leaving out rows past m and tokens past n.
__device__ __forceinline__ void mma_store(float* dst, const float (&c)[4], int row, int tok, int m, int n) {
    if (tok < n) {
        if (row < m) dst[(long long)tok * m + row] = c[0];
        if (row + 8 < m) dst[(long long)tok * m + row + 8] = c[2];
    }
    if (tok + 1 < n) {
        if (row < m) dst[(long long)(tok + 1) * m + row] = c[1];
        if (row + 8 < m) dst[(long long)(tok + 1) * m + row + 8] = c[3];
    }
}
