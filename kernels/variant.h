/* Naming for one build of the kernel bodies. DK_VARIANT names the build
 * (scalar_fma, avx2, ...): it suffixes every symbol, dk_<kernel>_<variant>,
 * and names the table dk_kernels_<variant>. Each body file includes this. */
#ifndef DK_VARIANT_H
#define DK_VARIANT_H

#include "kernels.h"

#ifndef DK_VARIANT
#error "define DK_VARIANT to the name of this build"
#endif

#define DK_CAT3_(a, b, c) a##b##c
#define DK_CAT3(a, b, c)  DK_CAT3_(a, b, c)
#define DK_FN(name)       DK_CAT3(dk_, name, DK_CAT3(_, DK_VARIANT, ))

#define DK_KERNEL(name, params) void DK_FN(name) params;
#include "kernel_list.h"
#undef DK_KERNEL

#endif /* DK_VARIANT_H */
