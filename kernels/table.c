/* This build's table of kernels, in kernel_list.h order. */
#include "variant.h"

const dk_kernels DK_CAT3(dk_kernels_, DK_BUILD_NAME, ) = {{
#define DK_KERNEL(name, arrays, uses) [DK_KERNEL_##name] = DK_FN(name),
#include "kernel_list.h"
#undef DK_KERNEL
}};
