/* Naming for one build of the kernel bodies. DK_BUILD_NAME names the build
 * (scalar_fma, avx2, ...): it suffixes every symbol, dk_<kernel>_<variant>,
 * and names the table dk_kernels_<variant>. Each body file includes this. */
#ifndef DK_VARIANT_H
#define DK_VARIANT_H

#include "kernels.h"

#ifndef DK_BUILD_NAME
#error "define DK_BUILD_NAME to the name of this build (variant_list.h)"
#endif

#define DK_CAT3_(a, b, c) a##b##c
#define DK_CAT3(a, b, c)  DK_CAT3_(a, b, c)
#define DK_FN(name)       DK_CAT3(dk_, name, DK_CAT3(_, DK_BUILD_NAME, ))

#define DK_KERNEL(name, arrays, uses) void DK_FN(name)(size_t n, const dk_kargs *a);
#include "kernel_list.h"
#undef DK_KERNEL

#endif /* DK_VARIANT_H */
