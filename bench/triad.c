/* The triad a[i] = b[i] + s * c[i], compiled once per kernel build with that
 * build's flags (bench/meson.build), as DK_TRIAD_NAME: the memory limit as
 * each ISA's own loads and stores meet it. A build's kernels are read
 * against its own triad, so that in cache, where a wider ISA moves more
 * bytes per cycle, the ceiling is as wide as the kernels (the triad the
 * bench itself is compiled with is baseline x86-64: SSE2). */
#include <stddef.h>

void DK_TRIAD_NAME(size_t n, float *a, const float *b, float s, const float *c);

void DK_TRIAD_NAME(size_t n, float *a, const float *b, float s, const float *c)
{
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}
