/* CPU feature detection: cpuid and xgetbv on x86 (an instruction set counts
 * only if the OS also saves its register state), NEON always on AArch64,
 * nothing elsewhere. */
#include "cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <stdint.h>

/* XCR0 through xgetbv, written as bytes so no -mxsave is needed. */
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

#define XCR0_SSE_AVX 0x06u /* XMM and YMM state */
#define XCR0_AVX512  0xe0u /* opmask, ZMM_Hi256 and Hi16_ZMM state */

/* Zen 5: AuthenticAMD and family 1Ah (base family Fh plus extended 0Bh). */
static int is_amd_family_1ah(unsigned leaf1_eax)
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx))
        return 0;
    const int amd = ebx == 0x68747541u && edx == 0x69746e65u && ecx == 0x444d4163u; /* "AuthenticAMD" */
    const unsigned base = leaf1_eax >> 8 & 0xfu, extended = leaf1_eax >> 20 & 0xffu;
    return amd && base == 0xfu && base + extended == 0x1au;
}

unsigned dk_cpu_detect(void)
{
    unsigned eax, ebx, ecx, edx, features = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    if (is_amd_family_1ah(eax))
        features |= DK_CPU_SLOW_NOISE_NT;
    if (ecx & bit_SSE4_1)
        features |= DK_CPU_SSE41;
    const int osxsave = (ecx & bit_OSXSAVE) != 0;
    const int avx = (ecx & bit_AVX) != 0;
    const int fma = (ecx & bit_FMA) != 0;
    if (!osxsave || !avx)
        return features;
    const uint64_t xcr0 = read_xcr0();
    if ((xcr0 & XCR0_SSE_AVX) != XCR0_SSE_AVX)
        return features;
    if (fma)
        features |= DK_CPU_FMA;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
        return features;
    if (ebx & bit_AVX2)
        features |= DK_CPU_AVX2;
    if ((ebx & bit_AVX512F) && (xcr0 & XCR0_AVX512) == XCR0_AVX512)
        features |= DK_CPU_AVX512;
    return features;
}

#elif defined(__aarch64__)

unsigned dk_cpu_detect(void) { return DK_CPU_NEON | DK_CPU_FMA; }

#else

unsigned dk_cpu_detect(void) { return 0; }

#endif
