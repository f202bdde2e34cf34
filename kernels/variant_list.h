/* The one list of kernel builds ("variants"). meson.build compiles the kernel
 * bodies once per build with its flags (the names there must match); dispatch,
 * the tests and the bench take everything else from here.
 *
 * DK_VARIANT(name, isa, fused, width, cpu_needs)
 *   isa        the public dk_isa it serves
 *   fused      1: fused family (one rounding per fma), 0: plain family
 *   width      floats per vector
 *   cpu_needs  the DK_CPU_* bits (dispatch/cpu.h) a CPU must have to run it
 * The public "scalar" ISA is scalar_fma where it runs and scalar_plain
 * elsewhere. No include guard: this file is included once per expansion. */

DK_VARIANT(scalar_plain, DK_ISA_SCALAR, 0, 1, 0)
DK_VARIANT(scalar_fma, DK_ISA_SCALAR, 1, 1, DK_CPU_SCALAR_FMA)
DK_VARIANT(sse41, DK_ISA_SSE41, 0, 4, DK_CPU_SSE41)
DK_VARIANT(avx2, DK_ISA_AVX2, 1, 8, DK_CPU_AVX2 | DK_CPU_FMA)
DK_VARIANT(avx512, DK_ISA_AVX512, 1, 16, DK_CPU_AVX512)
DK_VARIANT(neon, DK_ISA_NEON, 1, 4, DK_CPU_NEON)
