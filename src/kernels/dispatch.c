/*
 * dispatch.c - choosing the kernel table once, by CPU and OS support.
 *
 * A level is usable only when the CPU has the instructions (CPUID) *and* the OS
 * saves the registers they use across context switches (XGETBV on XCR0):
 *   AVX2:    CPUID.1:ECX.{OSXSAVE,AVX,FMA}, CPUID.7.0:EBX.AVX2, XCR0 bits 1,2 (SSE, YMM)
 *   AVX-512: the above plus CPUID.7.0:EBX.{AVX512F,AVX512BW,AVX512VL},
 *            XCR0 bits 5,6,7 (opmask, ZMM_Hi256, Hi16_ZMM)
 * The table starts as the reference kernels and entries are overridden for the
 * chosen level, so a level without some kernel still has a correct one.
 */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "parlogit/config.h"

static const char *const level_names[] = {
    [PL_SIMD_AUTO] = "auto",
    [PL_SIMD_SCALAR] = "scalar",
    [PL_SIMD_AVX2] = "avx2",
    [PL_SIMD_AVX512] = "avx512",
};

const char *pl_simd_name(int level)
{
    if (level < 0 || level > PL_SIMD_AVX512)
        return "?";
    return level_names[level];
}

int pl_simd_parse(const char *s)
{
    for (int l = PL_SIMD_AUTO; l <= PL_SIMD_AVX512; l++)
        if (strcmp(s, level_names[l]) == 0)
            return l;
    return -1;
}

static unsigned long long xgetbv0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

int pl_simd_best(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return PL_SIMD_SCALAR;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma)
        return PL_SIMD_SCALAR;
    const unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6)
        return PL_SIMD_SCALAR;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return PL_SIMD_SCALAR;
    if (!((b >> 5) & 1))
        return PL_SIMD_SCALAR;
    const int f = (b >> 16) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    if (f && bw && vl && (xcr0 & 0xe0) == 0xe0)
        return PL_SIMD_AVX512;
    return PL_SIMD_AVX2;
}

int pl_simd_supported(int level)
{
    return level >= PL_SIMD_SCALAR && level <= pl_simd_best();
}

int pl_kernels_select(int level, pl_kernels *k, pl_error *e)
{
    const char *env = getenv("PARLOGIT_SIMD");
    if (env && *env) {
        level = pl_simd_parse(env);
        if (level < 0)
            return pl_errorf(e, PL_EINPUT,
                             "PARLOGIT_SIMD=%s: expected auto, avx512, avx2 or scalar", env);
    }
    if (level == PL_SIMD_AUTO)
        level = pl_simd_best();
    if (!pl_simd_supported(level))
        return pl_errorf(e, PL_EINPUT,
                         "simd = %s: not supported by this CPU or OS (best here: %s)",
                         pl_simd_name(level), pl_simd_name(pl_simd_best()));

    *k = (pl_kernels){ PL_SIMD_SCALAR, "scalar", pl_dot_ref, pl_axpy_ref,
                       pl_spfwd_ref, pl_spfwd2_ref, pl_spbwd_ref, pl_link_ref, pl_smlink_ref,
                       pl_vadd_ref, pl_u8f_ref, pl_dfwd_ref, pl_dbwd_ref };
    if (level >= PL_SIMD_AVX2) {
        *k = (pl_kernels){ PL_SIMD_AVX2, "avx2", pl_dot_avx2, pl_axpy_avx2,
                           pl_spfwd_avx2, pl_spfwd2_avx2, pl_spbwd_avx2, pl_link_avx2,
                           pl_smlink_avx2, pl_vadd_avx2, pl_u8f_avx2, pl_dfwd_avx2,
                           pl_dbwd_avx2 };
    }
    if (level == PL_SIMD_AVX512) {
        k->level = PL_SIMD_AVX512;
        k->name = "avx512";
        k->dot = pl_dot_avx512;
        k->axpy = pl_axpy_avx512;
        k->spfwd = pl_spfwd_avx512;
        k->spfwd2 = pl_spfwd2_avx512;
        k->spbwd = pl_spbwd_avx512;
        k->link = pl_link_avx512;
        k->smlink = pl_smlink_avx512;
        k->dfwd = pl_dfwd_avx512;
        k->dbwd = pl_dbwd_avx512;
        k->u8f = pl_u8f_avx512;
    }
    return PL_OK;
}
