/* CPU feature detection. */
#ifndef DK_CPU_H
#define DK_CPU_H

enum {
    DK_CPU_SSE41 = 1u << 0,
    DK_CPU_FMA = 1u << 1,    /* FMA3 with OS-enabled YMM state */
    DK_CPU_AVX2 = 1u << 2,   /* AVX2 with OS-enabled YMM state */
    DK_CPU_AVX512 = 1u << 3, /* AVX-512F with OS-enabled opmask and ZMM state */
    DK_CPU_NEON = 1u << 4
};

/* The DK_CPU_* bits this CPU and OS support. Runs cpuid: call it once. */
unsigned dk_cpu_detect(void);

#endif /* DK_CPU_H */
