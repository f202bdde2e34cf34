/* CPU feature detection. */
#ifndef DK_CPU_H
#define DK_CPU_H

enum {
    DK_CPU_SSE41 = 1u << 0,
    DK_CPU_FMA = 1u << 1,    /* FMA3 with OS-enabled YMM state */
    DK_CPU_AVX2 = 1u << 2,   /* AVX2 with OS-enabled YMM state */
    DK_CPU_AVX512 = 1u << 3, /* AVX-512F with OS-enabled opmask and ZMM state */
    DK_CPU_NEON = 1u << 4,
    /* Not an instruction set but a trait, as dav1d's SLOW_GATHER: the
     * non-temporal stores of the kernels that make their noise lose to
     * cached ones (AMD family 1Ah, Zen 5; README.md, Streaming stores). */
    DK_CPU_SLOW_NOISE_NT = 1u << 5
};

/* What the scalar_fma build needs. On x86-64 it executes FMA instructions
 * (-mfma), and SLEEF's purecfma functions, which it calls for the noise,
 * were compiled for AVX2 as well (Debian's libsleef: Sleef_sincospif1_u35purecfma
 * uses vpbroadcastb and vpblendd). A CPU with FMA3 but no AVX2 (AMD
 * Piledriver, qemu's Opteron_G5) therefore runs scalar_plain. */
#if defined(__x86_64__) || defined(__i386__)
#define DK_CPU_SCALAR_FMA (DK_CPU_FMA | DK_CPU_AVX2)
#else
#define DK_CPU_SCALAR_FMA 0
#endif

/* The DK_CPU_* bits this CPU and OS support. Runs cpuid: call it once. */
unsigned dk_cpu_detect(void);

#endif /* DK_CPU_H */
