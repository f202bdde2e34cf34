// The arrays of the single-thread benchmarks. Google Benchmark calls a
// benchmark function once per trial iteration count, and filling 4 x 256 MiB
// takes longer than timing a kernel on it, so the buffers stay alive and are
// refilled only when the size changes. Benchmarks are registered size by
// size, so each size is filled once. The inputs are never written, so every
// kernel sees the same values.
#include "bench.h"

#include <cstdlib>
#include <cstring>

namespace dkb
{

Buffers g_buf;

float *alloc_floats(size_t bytes)
{
    void *p = nullptr;
    // 64 bytes: a cache line and an AVX-512 vector, so no ISA pays for splits.
    return posix_memalign(&p, 64, bytes) == 0 ? static_cast<float *>(p) : nullptr;
}

// An LCG's top 24 bits: values in [-2, 2), exact in float.
void fill(float *p, size_t n, uint32_t seed)
{
    uint32_t x = seed;
    for (size_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        p[i] = static_cast<float>(x >> 8) * (4.0f / 16777216.0f) - 2.0f;
    }
}

void release_buffers()
{
    for (float *&p : g_buf.in) {
        std::free(p);
        p = nullptr;
    }
    for (float *&p : g_buf.out) {
        std::free(p);
        p = nullptr;
    }
    g_buf.bytes = 0;
}

// The outputs are touched once here, so that first-touch page faults do not
// land in a timed loop.
bool prepare_buffers(size_t bytes)
{
    if (g_buf.bytes == bytes)
        return true;
    release_buffers();
    bool ok = true;
    for (float *&p : g_buf.in)
        ok = (p = alloc_floats(bytes)) != nullptr && ok;
    for (float *&p : g_buf.out)
        ok = (p = alloc_floats(bytes)) != nullptr && ok;
    if (!ok) {
        release_buffers();
        return false;
    }
    for (int k = 0; k < 4; ++k)
        fill(g_buf.in[k], bytes / sizeof(float), 12345u + 777u * static_cast<uint32_t>(k));
    for (float *p : g_buf.out)
        std::memset(p, 0, bytes);
    g_buf.bytes = bytes;
    return true;
}

} // namespace dkb
